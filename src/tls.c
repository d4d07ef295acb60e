/* tls.c - placeholder */
