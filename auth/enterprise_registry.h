/* Verification of a company a citizen says they act for (法人办事, API.md §3): a pluggable
 * step like the real-name check, and like it failing closed. `enterprise_registry = dev`
 * checks the unified social credit code's format (GB 32100) only and is refused by a
 * production configuration (core/config.c); `none` (the default) verifies nobody, so
 * bindings are 503. A deployment adds a registry client here (the market regulator's
 * enterprise registry) and a setting value that selects it. */
#ifndef OW_ENTERPRISE_REGISTRY_H
#define OW_ENTERPRISE_REGISTRY_H

typedef enum {
    REGISTRY_CONFIRMED,   /* the company exists and the person may act for it */
    REGISTRY_REFUSED,     /* the code is invalid, or the registry says no */
    REGISTRY_UNAVAILABLE, /* the registry did not answer: fail closed */
} registry_verdict;

/* *verified_by: the step that decided ("dev"). role: legal_representative | agent. */
registry_verdict enterprise_verify(const char *credit_code, const char *name, const char *role,
                                   const char **verified_by);

#endif
