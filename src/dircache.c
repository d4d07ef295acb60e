/* dircache.c - placeholder */
