/* tls.h - placeholder */
