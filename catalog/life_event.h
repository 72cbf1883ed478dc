/* Life events (高效办成一件事, API.md §4): a bundle of catalog services with the questions
 * that choose its optional ones. Here: one bundle of data/life-events.json validated and put
 * in canonical form (what db/life_event_store.h writes), and the merge of its services' forms
 * and materials into one form (each field asked once) and one material list (each document
 * uploaded once) — for the import's checks, the bundle's detail and its submission alike. */
#ifndef OW_LIFE_EVENT_H
#define OW_LIFE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/arena.h"
#include "db/catalog_import.h"

#define LIFE_EVENT_CODE_MAX 32
#define LIFE_EVENT_SERVICES_MIN 2
#define LIFE_EVENT_SERVICES_MAX 8
#define LIFE_EVENT_QUESTIONS_MAX 8
#define LIFE_EVENTS_MAX 200

typedef struct life_event_service {
    const char *code;
    bool required;
    const char *condition; /* the question that chooses an optional service; NULL if required */
} life_event_service;

/* A material a service of the bundle produces (出生医学证明 by its issuing service): when
 * that service is part of the submission, the others that need it get it from it and the
 * citizen uploads nothing for it. */
typedef struct life_event_product {
    const char *material, *service;
} life_event_product;

typedef struct life_event_def {
    const char *code, *name, *lead_department_code;
    const char *definition; /* canonical JSON of the whole bundle */
    life_event_service services[LIFE_EVENT_SERVICES_MAX];
    size_t n_services;
    life_event_product products[LIFE_EVENT_SERVICES_MAX];
    size_t n_products;
    uint8_t hash[32]; /* SHA-256 of definition */
} life_event_def;

/* Validates one bundle of the file (its own shape; its services are checked against the
 * catalog by the import). 0, or -1 with the reason in why. */
int life_event_parse(const cJSON *obj, const catalog_codes *codes, arena *a, life_event_def *out,
                     char *why, size_t whylen);

/* One service taking part in a merge. */
typedef struct bundle_part {
    const char *code;
    const char *form_schema; /* canonical JSON, or NULL: no form */
    const char *materials;   /* the material definitions (JSON array) */
    bool listed;             /* shown: its fields and materials are in the merge */
    bool in;                 /* applied for: its required fields and materials are required */
} bundle_part;

/* The merged form of the listed parts: {"type":"object","properties","required"} (required:
 * those of the parts in), and *fields: {"name": {"services":[…],"required_by":[…]}}. NULL
 * with the reason in why when two services define one field differently. */
cJSON *bundle_merge_form(const bundle_part *p, size_t n, cJSON **fields, char *why, size_t whylen);

/* The merged materials of the listed parts: [{"code","name","required","accept","max_bytes",
 * "services","produced_by"}]. A material produced by a part that is in is not required;
 * produced_by names the producing service when it is listed (else null). NULL with the
 * reason in why when two services define one material differently. */
cJSON *bundle_merge_materials(const bundle_part *p, size_t n, const life_event_product *products,
                              size_t n_products, char *why, size_t whylen);

/* The products of a stored definition (strings point into def, which must outlive them). */
size_t life_event_products(const cJSON *def, life_event_product *out, size_t cap);

#endif
