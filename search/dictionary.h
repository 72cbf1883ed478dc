/* What every search index (the catalog's, the public questions') is built with besides its
 * documents, read from the database at each build: the departments and topics (filters and
 * suggestions), the synonyms (shipped and operators'), and the concepts (shipped and
 * operators'). Concepts come after the documents: their service phrases resolve to the
 * terms the documents brought. */
#ifndef OW_SEARCH_DICTIONARY_H
#define OW_SEARCH_DICTIONARY_H

#include "core/arena.h"
#include "db/db.h"
#include "search/index_build.h"

/* Departments, topics and synonyms: before the documents. A db_status. */
int search_dictionary_begin(db_conn *c, arena *a, search_builder *b);
/* Concepts: after the documents. A db_status. */
int search_dictionary_end(db_conn *c, arena *a, search_builder *b);

#endif
