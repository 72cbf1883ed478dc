/* The media types an upload may have (API.md §5) and the file-name extension each is
 * stored under (nginx serves a download's Content-Type by it). */
#ifndef OW_MEDIA_TYPES_H
#define OW_MEDIA_TYPES_H

/* Every accepted type, NULL-terminated. */
extern const char *const media_types[];

/* The canonical spelling of an accepted type (static), or NULL. */
const char *media_type_known(const char *type);
/* "png", "jpg", "pdf" (the type must be known). */
const char *media_type_ext(const char *type);

#endif
