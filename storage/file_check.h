/* What an uploaded file really is (API.md §5): its media type sniffed from the bytes
 * (libmagic), and a structure check deep enough to refuse a damaged or truncated file that
 * a department could not open:
 *   - PNG: the signature, then every chunk with its CRC, IHDR first, IDAT, IEND last;
 *   - JPEG: decoded in full by libjpeg at 1/8 scale (every entropy-coded segment is read;
 *     a warning such as "premature end of data" counts as damage);
 *   - PDF: the %PDF- header, %%EOF at the end, and a startxref whose offset points at a
 *     cross-reference table or stream.
 * Reads through the descriptor with pread (its offset is left alone); memory stays small
 * whatever the file's size. */
#ifndef OW_FILE_CHECK_H
#define OW_FILE_CHECK_H

#include <stddef.h>
#include <sys/types.h>

typedef enum {
    FILE_OK,
    FILE_NOT_ALLOWED, /* sniffed as something that is not an accepted type */
    FILE_MISMATCH,    /* an accepted type, but not the declared one */
    FILE_DAMAGED,     /* the declared type, but broken or truncated */
    FILE_ERROR,       /* could not read it, or libmagic failed */
} file_verdict;

/* Checks the file of `size` bytes against the declared media type; *sniffed (a static
 * string, or "" when unknown) tells what it looked like. */
file_verdict file_check(int fd, off_t size, const char *declared, const char **sniffed);

/* The media type libmagic sees in the first bytes of the file ("" when it cannot tell). */
const char *file_sniff(int fd);

#endif
