/* An upload on its way into the object store. The worker takes the body from the FastCGI
 * stream in pieces of at most SPOOL_CHUNK_BYTES into a file of its own, hashing (SHA-256)
 * as the bytes come, and never opens nginx's temporary file: that file belongs to nginx's
 * user (onewindow-web, mode 0600), and the worker's user (onewindow) and nginx's stay apart
 * so that nginx can read neither the master key nor the database password (README
 * "Privileges"). The spool file is anonymous (O_TMPFILE) in the store's spool folder
 * (<store_dir>/tmp, the service's own), so a crash leaves nothing behind; the fs store
 * links it into place, the s3 store PUTs it. */
#ifndef OW_SPOOL_H
#define OW_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define SPOOL_CHUNK_BYTES 65536 /* the most a worker holds of an upload at a time */

typedef struct spool {
    int fd; /* read-write; -1 before spool_open */
    int64_t bytes;
    crypto_hash_sha256_state sha;
} spool;

/* The folder spool files go to (store_init sets it); 0, or -1 when it cannot be made. */
int spool_init(const char *dir);

/* A new, empty spool file: 0, or -1 (logged). */
int spool_open(spool *s);
/* Appends len bytes and hashes them: 0, or -1 (logged: a full disk, say). */
int spool_write(spool *s, const void *buf, size_t len);
/* The SHA-256 of everything written, in hex. */
void spool_digest(spool *s, char hex[65]);
/* Closes the file (an anonymous one is then gone); safe on a spool never opened. */
void spool_close(spool *s);

#endif
