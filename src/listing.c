/* listing.c - placeholder */
