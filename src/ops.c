/* ops.c - placeholder */
