/* sock.h - placeholder */
