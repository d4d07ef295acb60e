/* dircache.h - placeholder */
