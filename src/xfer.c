/* xfer.c - placeholder */
