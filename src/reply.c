/* reply.c - placeholder */
