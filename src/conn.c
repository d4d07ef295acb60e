/* conn.c - placeholder */
