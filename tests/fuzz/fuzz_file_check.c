/* libFuzzer: the structure checks of uploads (storage/file_check.c), which read what any
 * citizen sends: PNG chunks, a full JPEG decode (libjpeg), a PDF's startxref and xref.
 * Input: the first byte picks the declared type (image/png, image/jpeg, application/pdf),
 * the rest is the file, handed over as a descriptor like a spool file. */
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "storage/file_check.h"

static const char *const declared[] = {"image/png", "image/jpeg", "application/pdf"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fd = memfd_create("upload", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
        const char *sniffed;
        file_check(fd, (off_t)(size - 1), declared[data[0] % 3], &sniffed);
    }
    close(fd);
    return 0;
}
