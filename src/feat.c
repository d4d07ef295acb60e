/* feat.c - placeholder */
