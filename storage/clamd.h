/* The optional virus scan of uploads (clamd_socket): the file is streamed to clamd with its
 * INSTREAM command over the unix socket; the verdict is "stream: OK" or "… FOUND". */
#ifndef OW_CLAMD_H
#define OW_CLAMD_H

typedef enum { CLAMD_CLEAN, CLAMD_INFECTED, CLAMD_FAILED } clamd_verdict;

/* Scans the file (read with pread from offset 0). */
clamd_verdict clamd_scan(const char *socket_path, int fd);

#endif
