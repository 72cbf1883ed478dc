/* Unit tests of storage/: file_check.c (libmagic sniffing and the structure checks of PNG,
 * JPEG and PDF, on files made here and damaged on purpose), s3.c (presigned GETs against
 * AWS's published example, the signed host of both URL styles) and the object keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jpeglib.h>
#include <zlib.h>

#include "storage/file_check.h"
#include "storage/object_store.h"
#include "storage/s3.h"

typedef struct buf {
    unsigned char *data;
    size_t len;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    b->data = realloc(b->data, b->len + n);
    assert_non_null(b->data);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_u32(buf *b, uint32_t v)
{
    unsigned char be[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v};
    put(b, be, 4);
}

static void png_chunk(buf *b, const char *type, const unsigned char *data, size_t n)
{
    put_u32(b, (uint32_t)n);
    put(b, type, 4);
    put(b, data, n);
    uLong crc = crc32(crc32(0, NULL, 0), (const Bytef *)type, 4);
    put_u32(b, (uint32_t)crc32(crc, data, (uInt)n));
}

/* A real 4x4 RGB PNG. */
static buf make_png(void)
{
    buf b = {NULL, 0};
    put(&b, "\x89PNG\r\n\x1a\n", 8);
    unsigned char ihdr[13] = {0, 0, 0, 4, 0, 0, 0, 4, 8, 2, 0, 0, 0};
    png_chunk(&b, "IHDR", ihdr, sizeof ihdr);
    unsigned char raw[4 * (1 + 4 * 3)];
    memset(raw, 0x7f, sizeof raw);
    for (int row = 0; row < 4; row++)
        raw[row * 13] = 0; /* filter: none */
    unsigned char z[256];
    uLongf zn = sizeof z;
    assert_int_equal(compress(z, &zn, raw, sizeof raw), Z_OK);
    png_chunk(&b, "IDAT", z, zn);
    png_chunk(&b, "IEND", (const unsigned char *)"", 0); /* crc32(…, NULL, 0) would be 0 */
    return b;
}

/* A real 16x16 baseline JPEG from libjpeg. */
static buf make_jpeg(void)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long n = 0;
    jpeg_mem_dest(&c, &out, &n);
    c.image_width = 16;
    c.image_height = 16;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    unsigned char row[16 * 3];
    for (int i = 0; i < 16 * 3; i++)
        row[i] = (unsigned char)(i * 5);
    JSAMPROW rows[1] = {row};
    while (c.next_scanline < c.image_height)
        jpeg_write_scanlines(&c, rows, 1);
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    buf b = {NULL, 0};
    put(&b, out, n);
    free(out);
    return b;
}

/* A minimal one-page PDF whose xref offsets are right. */
static buf make_pdf(void)
{
    static const char *const objects[] = {
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>\nendobj\n",
    };
    buf b = {NULL, 0};
    char line[128];
    long offsets[3];
    put(&b, "%PDF-1.4\n", 9);
    for (int i = 0; i < 3; i++) {
        offsets[i] = (long)b.len;
        put(&b, objects[i], strlen(objects[i]));
    }
    long xref = (long)b.len;
    put(&b, "xref\n0 4\n0000000000 65535 f \n", 29);
    for (int i = 0; i < 3; i++) {
        snprintf(line, sizeof line, "%010ld 00000 n \n", offsets[i]);
        put(&b, line, strlen(line));
    }
    snprintf(line, sizeof line, "trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n",
             xref);
    put(&b, line, strlen(line));
    return b;
}

static file_verdict check(const void *data, size_t len, const char *declared, const char **sniffed)
{
    int fd = memfd_create("upload", 0);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    const char *s = "";
    file_verdict v = file_check(fd, (off_t)len, declared, &s);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), (off_t)len); /* pread only: the offset stays */
    close(fd);
    if (sniffed)
        *sniffed = s;
    return v;
}

static void test_good_files_pass(void **state)
{
    (void)state;
    buf png = make_png(), jpg = make_jpeg(), pdf = make_pdf();
    const char *sniffed;
    assert_int_equal(check(png.data, png.len, "image/png", &sniffed), FILE_OK);
    assert_string_equal(sniffed, "image/png");
    assert_int_equal(check(jpg.data, jpg.len, "image/jpeg", &sniffed), FILE_OK);
    assert_string_equal(sniffed, "image/jpeg");
    assert_int_equal(check(pdf.data, pdf.len, "application/pdf", &sniffed), FILE_OK);
    assert_string_equal(sniffed, "application/pdf");
    free(png.data);
    free(jpg.data);
    free(pdf.data);
}

static void test_mismatches_and_strangers(void **state)
{
    (void)state;
    buf png = make_png(), pdf = make_pdf();
    const char *sniffed;
    assert_int_equal(check(png.data, png.len, "application/pdf", &sniffed), FILE_MISMATCH);
    assert_string_equal(sniffed, "image/png");
    assert_int_equal(check(pdf.data, pdf.len, "image/jpeg", NULL), FILE_MISMATCH);
    static const unsigned char elf[64] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    assert_int_equal(check(elf, sizeof elf, "image/jpeg", NULL), FILE_NOT_ALLOWED);
    static const char text[] = "hello, world\nhello, world\n";
    assert_int_equal(check(text, sizeof text - 1, "application/pdf", NULL), FILE_NOT_ALLOWED);
    static const unsigned char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    assert_int_equal(check(gif, sizeof gif - 1, "image/png", NULL), FILE_NOT_ALLOWED);
    free(png.data);
    free(pdf.data);
}

static void test_damaged_png(void **state)
{
    (void)state;
    buf png = make_png();
    /* truncated: without IEND, or cut inside IDAT */
    assert_int_equal(check(png.data, png.len - 12, "image/png", NULL), FILE_DAMAGED);
    assert_int_equal(check(png.data, png.len - 20, "image/png", NULL), FILE_DAMAGED);
    /* a flipped bit in IDAT's data: its CRC no longer holds */
    png.data[8 + 25 + 8 + 2] ^= 0x01;
    assert_int_equal(check(png.data, png.len, "image/png", NULL), FILE_DAMAGED);
    png.data[8 + 25 + 8 + 2] ^= 0x01;
    /* bytes after IEND */
    buf longer = {NULL, 0};
    put(&longer, png.data, png.len);
    put(&longer, "junk", 4);
    assert_int_equal(check(longer.data, longer.len, "image/png", NULL), FILE_DAMAGED);
    free(longer.data);
    /* IEND right after IHDR: no image data */
    buf empty = {NULL, 0};
    put(&empty, png.data, 8 + 25);
    put(&empty, png.data + png.len - 12, 12);
    assert_int_equal(check(empty.data, empty.len, "image/png", NULL), FILE_DAMAGED);
    free(empty.data);
    free(png.data);
}

static void test_damaged_jpeg(void **state)
{
    (void)state;
    buf jpg = make_jpeg();
    assert_int_equal(check(jpg.data, jpg.len / 2, "image/jpeg", NULL), FILE_DAMAGED);
    assert_int_equal(check(jpg.data, jpg.len - 2, "image/jpeg", NULL), FILE_DAMAGED); /* no EOI */
    assert_int_equal(check(jpg.data, 200, "image/jpeg", NULL), FILE_DAMAGED);
    free(jpg.data);
}

static void test_damaged_pdf(void **state)
{
    (void)state;
    buf pdf = make_pdf();
    /* truncated: no %%EOF */
    assert_int_equal(check(pdf.data, pdf.len - 7, "application/pdf", NULL), FILE_DAMAGED);
    /* cut in the middle */
    assert_int_equal(check(pdf.data, pdf.len / 2, "application/pdf", NULL), FILE_DAMAGED);
    /* startxref pointing somewhere that is not a cross-reference table */
    char *text = malloc(pdf.len + 1);
    memcpy(text, pdf.data, pdf.len);
    text[pdf.len] = '\0';
    char *at = strstr(text, "startxref\n") + strlen("startxref\n");
    *at = *at == '1' ? '2' : '1';
    assert_int_equal(check(text, pdf.len, "application/pdf", NULL), FILE_DAMAGED);
    free(text);
    free(pdf.data);
}

/* --- s3 ----------------------------------------------------------------------------------- */

static void test_presigned_get_matches_the_aws_example(void **state)
{
    (void)state;
    /* AWS S3 API reference, "Authenticating Requests: Using Query Parameters (AWS Signature
     * Version 4)", the example GET of test.txt in examplebucket on 24 May 2013. */
    s3_target t = {"https://s3.amazonaws.com",
                   "examplebucket",
                   "us-east-1",
                   "AKIAIOSFODNN7EXAMPLE",
                   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                   0};
    char out[1024], host[256];
    assert_int_equal(s3_presign_get(&t, "test.txt", 1369353600L, 86400, out, sizeof out), 0);
    assert_string_equal(
        out, "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
             "%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z"
             "&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="
             "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    assert_int_equal(s3_host(&t, host, sizeof host), 0);
    assert_string_equal(host, "examplebucket.s3.amazonaws.com");
    /* path style (MinIO): the bucket in the path, the endpoint's host and port signed */
    s3_target minio = {"http://127.0.0.1:9000", "b", "us-east-1", "k", "s", 1};
    assert_int_equal(s3_host(&minio, host, sizeof host), 0);
    assert_string_equal(host, "127.0.0.1:9000");
    assert_int_equal(s3_presign_get(&minio, "ab.png", 1369353600L, 60, out, sizeof out), 0);
    assert_true(strncmp(out, "/b/ab.png?X-Amz-Algorithm=", 26) == 0);
    /* too small a buffer is a failure, not a truncated URL */
    assert_int_equal(s3_presign_get(&minio, "ab.png", 1369353600L, 60, out, 40), -1);
}

static void test_object_keys(void **state)
{
    (void)state;
    char key[OBJECT_KEY_BYTES];
    const char *sha = "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7";
    store_key(sha, "image/png", key);
    assert_string_equal(key,
                        "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7.png");
    store_key(sha, "image/jpeg", key);
    assert_string_equal(key + 64, ".jpg");
    store_key(sha, "application/pdf", key);
    assert_string_equal(key + 64, ".pdf");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_files_pass),
        cmocka_unit_test(test_mismatches_and_strangers),
        cmocka_unit_test(test_damaged_png),
        cmocka_unit_test(test_damaged_jpeg),
        cmocka_unit_test(test_damaged_pdf),
        cmocka_unit_test(test_presigned_get_matches_the_aws_example),
        cmocka_unit_test(test_object_keys),
    };
    return cmocka_run_group_tests_name("storage", tests, NULL, NULL);
}
