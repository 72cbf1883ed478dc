/* The data files compiled into the binaries (Makefile EMBEDDED_DATA), as NUL-terminated text
 * with its length: build/gen/embedded_data.c, written by scripts/embed-text.sh from the files
 * under data/, so that no process reads a data directory at run time. */
#ifndef OW_EMBEDDED_DATA_H
#define OW_EMBEDDED_DATA_H

#include <stddef.h>

extern const char pinyin_chars_tsv[], pinyin_words_tsv[]; /* data/pinyin/chars.tsv, words.tsv */
extern const size_t pinyin_chars_tsv_len, pinyin_words_tsv_len;
extern const char synonyms_tsv[]; /* data/synonyms.tsv */
extern const size_t synonyms_tsv_len;
extern const char holidays_tsv[]; /* data/holidays.tsv */
extern const size_t holidays_tsv_len;
extern const char concepts_tsv[]; /* data/concepts.tsv */
extern const size_t concepts_tsv_len;
extern const char everyday_tsv[]; /* data/everyday.tsv */
extern const size_t everyday_tsv_len;
extern const char jieba_dict_txt[]; /* jieba's dictionary: "word<TAB>frequency" lines */
extern const size_t jieba_dict_txt_len;

#endif
