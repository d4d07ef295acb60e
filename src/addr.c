/* addr.c - placeholder */
