/* conn.h - placeholder */
