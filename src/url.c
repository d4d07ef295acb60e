/* url.c - placeholder */
