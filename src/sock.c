/* sock.c - placeholder */
