/* Public questions (公开问答, API.md §8): a staff member publishes a consultation they can see
 * (their department's, or the general queue's for the desk) that staff answered, with the
 * question and answer they wrote for the public; staff of the question's department retire
 * it. Each write runs in a transaction begun here, with its audit line and a bump of the
 * questions version (the workers' index follows it), left open on DB_OK for
 * idempotency_commit and rolled back otherwise. DB_NOT_FOUND: no such ticket or question, or
 * another department's. */
#ifndef OW_QUESTIONS_H
#define OW_QUESTIONS_H

#include "core/arena.h"
#include "db/question_store.h"
#include "workflow/applications.h"
#include "workflow/feedback.h"

#define QUESTION_NOT_CONSULTATION 2 /* the ticket is a complaint, suggestion or praise */
#define QUESTION_UNANSWERED 3       /* no staff reply on the ticket yet */
#define QUESTION_PUBLISHED 4        /* the ticket is published already */
#define QUESTION_UNKNOWN_SERVICE 5  /* service_code is not a service of the department */
#define QUESTION_RETIRED 6          /* retired already */

typedef struct question_publication {
    int64_t ticket_id;
    const char *question, *answer; /* staff's own wording */
    const char *service_code;      /* NULL: none */
} question_publication;

int questions_publish(db_conn *c, arena *a, const question_publication *p, const feedback_viewer *v,
                      const app_actor_ref *who, int64_t *id);

/* *out: the retired question. */
int questions_retire(db_conn *c, arena *a, int64_t id, const char *department_code,
                     const app_actor_ref *who, question_row *out);

#endif
