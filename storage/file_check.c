#include "storage/file_check.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <magic.h>
#include <zlib.h>

#include "core/media_types.h"

#define SNIFF_BYTES 65536
#define PDF_TAIL_BYTES 2048
#define JPEG_MAX_PIXELS (200LL * 1000 * 1000)

/* libmagic's handle is not thread safe: one per thread, loaded on first use. */
static __thread magic_t magic_handle;

const char *file_sniff(int fd)
{
    if (!magic_handle) {
        magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_TAR);
        if (!m || magic_load(m, NULL) != 0) {
            if (m)
                magic_close(m);
            return NULL;
        }
        magic_handle = m;
    }
    char *head = malloc(SNIFF_BYTES);
    if (!head)
        return NULL;
    ssize_t n = pread(fd, head, SNIFF_BYTES, 0);
    const char *type = n > 0 ? magic_buffer(magic_handle, head, (size_t)n) : "";
    free(head);
    return type;
}

/* --- PNG: signature and chunks with their CRCs --------------------------------------------- */
typedef struct reader {
    int fd;
    off_t pos, size;
} reader;

static bool read_at(reader *rd, void *buf, size_t n)
{
    if (rd->pos + (off_t)n > rd->size)
        return false;
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(rd->fd, (char *)buf + got, n - got, rd->pos + (off_t)got);
        if (k <= 0)
            return false;
        got += (size_t)k;
    }
    rd->pos += (off_t)n;
    return true;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The chunk's data through the CRC, in pieces. */
static bool chunk_crc_ok(reader *rd, const unsigned char type[4], uint32_t len)
{
    unsigned char buf[16384];
    uLong crc = crc32(0L, type, 4);
    while (len > 0) {
        uint32_t k = len > sizeof buf ? (uint32_t)sizeof buf : len;
        if (!read_at(rd, buf, k))
            return false;
        crc = crc32(crc, buf, k);
        len -= k;
    }
    unsigned char stored[4];
    return read_at(rd, stored, 4) && be32(stored) == (uint32_t)crc;
}

static bool png_ok(int fd, off_t size)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    reader rd = {fd, 0, size};
    unsigned char head[8];
    if (!read_at(&rd, head, 8) || memcmp(head, signature, 8) != 0)
        return false;
    bool first = true, idat = false;
    for (;;) {
        unsigned char h[8];
        if (!read_at(&rd, h, 8))
            return false;
        uint32_t len = be32(h);
        const unsigned char *type = h + 4;
        if (len > 0x7fffffffu)
            return false;
        if (first && (memcmp(type, "IHDR", 4) != 0 || len != 13))
            return false;
        if (first) { /* width and height must not be 0 */
            unsigned char ihdr[13];
            reader peek = rd;
            if (!read_at(&peek, ihdr, 13) || be32(ihdr) == 0 || be32(ihdr + 4) == 0)
                return false;
        }
        if (!chunk_crc_ok(&rd, type, len))
            return false;
        first = false;
        idat = idat || memcmp(type, "IDAT", 4) == 0;
        if (memcmp(type, "IEND", 4) == 0)
            return idat && len == 0 && rd.pos == size;
    }
}

/* --- JPEG: a full decode at 1/8 scale, warnings count as damage ---------------------------- */
typedef struct jpeg_guard {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
} jpeg_guard;

static void jpeg_fail(j_common_ptr cinfo)
{
    longjmp(((jpeg_guard *)cinfo->err)->jump, 1);
}

static void jpeg_message(j_common_ptr cinfo, int level)
{
    if (level < 0) /* a warning: corrupt data, premature end … */
        longjmp(((jpeg_guard *)cinfo->err)->jump, 1);
}

static void jpeg_quiet(j_common_ptr cinfo)
{
    (void)cinfo; /* nothing on stderr */
}

static bool jpeg_decode(FILE *f)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_guard guard;
    JSAMPARRAY row = NULL;
    cinfo.err = jpeg_std_error(&guard.mgr);
    guard.mgr.error_exit = jpeg_fail;
    guard.mgr.emit_message = jpeg_message;
    guard.mgr.output_message = jpeg_quiet;
    jpeg_create_decompress(&cinfo);
    if (setjmp(guard.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    jpeg_stdio_src(&cinfo, f);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK ||
        (long long)cinfo.image_width * cinfo.image_height > JPEG_MAX_PIXELS) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    cinfo.scale_num = 1;
    cinfo.scale_denom = 8;
    cinfo.dct_method = JDCT_IFAST;
    cinfo.do_fancy_upsampling = FALSE;
    jpeg_start_decompress(&cinfo);
    row = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE,
                                     cinfo.output_width * (JDIMENSION)cinfo.output_components, 1);
    while (cinfo.output_scanline < cinfo.output_height)
        jpeg_read_scanlines(&cinfo, row, 1);
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return true;
}

static bool jpeg_ok(int fd)
{
    int copy = dup(fd);
    FILE *f = copy >= 0 ? fdopen(copy, "rb") : NULL;
    if (!f) {
        if (copy >= 0)
            close(copy);
        return false;
    }
    bool ok = fseeko(f, 0, SEEK_SET) == 0 && jpeg_decode(f);
    fclose(f);
    return ok;
}

/* --- PDF: header, %%EOF, startxref → xref table or stream ----------------------------------- */
static const char *find_last(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
        if (memcmp(hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

static bool xref_at(int fd, off_t offset, off_t size)
{
    char buf[64] = {0};
    reader rd = {fd, offset, size};
    size_t n = size - offset < (off_t)sizeof buf - 1 ? (size_t)(size - offset) : sizeof buf - 1;
    if (!read_at(&rd, buf, n))
        return false;
    if (strncmp(buf, "xref", 4) == 0)
        return true;
    unsigned long num, gen;
    char word[4] = {0};
    return sscanf(buf, "%lu %lu %3s", &num, &gen, word) == 3 && strcmp(word, "obj") == 0;
}

static bool pdf_ok(int fd, off_t size)
{
    char head[8], tail[PDF_TAIL_BYTES + 1];
    reader rd = {fd, 0, size};
    if (size < 32 || !read_at(&rd, head, sizeof head) || memcmp(head, "%PDF-", 5) != 0)
        return false;
    size_t n = size < PDF_TAIL_BYTES ? (size_t)size : PDF_TAIL_BYTES;
    rd.pos = size - (off_t)n;
    if (!read_at(&rd, tail, n))
        return false;
    tail[n] = '\0';
    const char *eof = find_last(tail, n, "%%EOF");
    const char *sx = find_last(tail, n, "startxref");
    if (!eof || !sx || sx > eof)
        return false;
    for (const char *p = eof + 5; p < tail + n; p++) /* only line ends after %%EOF */
        if (*p != '\r' && *p != '\n' && *p != ' ' && *p != '\0')
            return false;
    char *end;
    long long offset = strtoll(sx + 9, &end, 10);
    return end != sx + 9 && offset > 0 && offset < (long long)size &&
           xref_at(fd, (off_t)offset, size);
}

file_verdict file_check(int fd, off_t size, const char *declared, const char **sniffed)
{
    const char *type = file_sniff(fd);
    *sniffed = "";
    if (!type)
        return FILE_ERROR;
    const char *known = media_type_known(type);
    *sniffed = known ? known : "";
    if (!known)
        return FILE_NOT_ALLOWED;
    if (strcmp(known, declared) != 0)
        return FILE_MISMATCH;
    bool ok = strcmp(known, "image/png") == 0    ? png_ok(fd, size)
              : strcmp(known, "image/jpeg") == 0 ? jpeg_ok(fd)
                                                 : pdf_ok(fd, size);
    return ok ? FILE_OK : FILE_DAMAGED;
}
