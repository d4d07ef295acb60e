/* err.c - placeholder */
