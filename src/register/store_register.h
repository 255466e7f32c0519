/* store_register.h — the register as the information-governance team and
 * the committee read it: the columns an imported breach log brings (added by
 * the schema step store_register_schema()), the assessment columns Incident
 * does not carry, the filters of `breachctl list`, `export` and `report`,
 * and the rows of the committee report.
 *
 * Strings in the structs below are owned by the struct and freed by its
 * _free() function; NULL means "not recorded". */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "register/incident.h"
#include "register/store.h"

/* The columns of an incident that Incident itself leaves out. */
typedef struct {
        char *source;                /* "mail" (filed by breachd) or "import" */
        char *import_origin;         /* "log.csv line 12" for an imported one */
        bool received_time_known;    /* false: the log gave the day reported only */
        char *personal_data;         /* the log's "Personal data involved?", as given */
        char *breach_of_legislation; /* "Breach of data protection legislation?" */
        char *near_miss;             /* "Incident considered near miss?" */
        char *secondary_category;
        char *sensitivity;           /* Low / Med / High */
        char *ico_rationale;         /* the reason for the ICO decision */
        char *ico_delay_reason;      /* why the ICO was told after the deadline */
        char *ico_outcome;           /* no further action, advice, ... */
        int64_t ico_notified_at;     /* UTC; 0: not recorded */
        char *subjects_notified;
        char *root_cause;            /* Cyber, Human Error, ... (seed 001) */
        char *action_taken;          /* Corrective Action, ... (seed 001) */
        int closed_without_report;   /* 1, 0, or -1 when not recorded */
} RegisterExtra;

void register_extra_init(RegisterExtra *x);
void register_extra_free(RegisterExtra *x);

/* store_register_schema(), declared in store.h, adds the columns above
 * that schema 1 lacks (source, import_origin, received_time_known,
 * personal_data, breach_of_legislation, near_miss, secondary_category). */

/* Reads the RegisterExtra of incident id; -ENOENT when there is none. */
int store_register_load(Store *s, int64_t id, RegisterExtra *ret);
/* Writes every column of x, and the assessment fields of inc that
 * store_insert_incident() does not write (ico_reference, outcome,
 * allocated_to, closed_at), to incident inc->id. */
int store_register_save(Store *s, const Incident *inc, const RegisterExtra *x);

/* 1 and the incident's id if ref is in the register, 0 if not. */
int store_ref_exists(Store *s, const char *ref, int64_t *ret_id);
/* Moves the reference counter of year up to n if it is below n, so that
 * store_next_ref() numbers after an imported reference.  *ret_before (may
 * be NULL) gets the counter before: 0 when the year had none. */
int store_ref_counter_raise(Store *s, int year, int64_t n, int64_t *ret_before);

/* Which incidents a command is about.  Zero-initialised: all of them. */
typedef struct {
        int64_t from, to;            /* received_at in [from, to); both 0: no limit */
        bool open;                   /* status is not closed */
        bool overdue;                /* ICO decision pending after the deadline at `now` */
        int64_t now;
        const char *directorate;     /* canonical name or as given; case ignored */
        const char *decision;        /* "pending", "notify" or "not notifiable" */
        const char *search;          /* text in the reference, the report or the assessment */
} RegisterFilter;

/* What store_register_select() reads of each incident: the caller names
 * a view, never columns, so that every statement stays in the register. */
typedef enum {
        REGISTER_VIEW_REFS,     /* id and ref only */
        REGISTER_VIEW_LIST,     /* the columns of `breachctl list` */
} RegisterView;

/* One incident of a view.  The strings are the register's, valid only
 * during the callback; fields the view does not read are 0 or NULL. */
typedef struct {
        int64_t id;
        const char *ref;
        /* REGISTER_VIEW_LIST: */
        int64_t received_at, deadline_at;
        const char *directorate;     /* the canonical name, else as given, else "" */
        const char *summary;         /* the nature of the breach, else the subject, else "" */
        const char *status, *ico_decision;
} RegisterRow;
/* Called for each incident; a negative return stops the walk and is what
 * store_register_select() returns. */
typedef int (*RegisterRowFn)(const RegisterRow *row, void *userdata);

/* Calls fn for each incident of f, in the order received (received_at,
 * id).  0, fn's error, or the register's (store_errmsg() says it). */
int store_register_select(Store *s, const RegisterFilter *f, RegisterView view, RegisterRowFn fn,
                          void *userdata);

/* One incident as the committee report (ctl/committee.h) needs it.
 * Strings owned, NULL: not recorded. */
typedef struct {
        char *ref;
        int64_t received_at;
        char *directorate;      /* the configured name, or as given */
        int within_72h;         /* 1, 0, -1 not known */
        char *medium;           /* a name of enum B, or as given */
        int64_t individuals;    /* number impacted; -1 not known */
        char *root_cause;
        char *action_taken;
        char *ico_decision;     /* pending / notify / not notifiable */
        char *ico_reference;
        char *ico_outcome;
        int64_t ico_notified_at;   /* 0: not recorded */
        char *summary;          /* the nature of the breach, else the subject */
} CommitteeRow;

/* The incidents of f as committee report rows, oldest first.  The caller
 * owns *ret (committee_rows_free()). */
void committee_rows_free(CommitteeRow *rows, size_t n);
int store_committee_rows(Store *s, const RegisterFilter *f, CommitteeRow **ret, size_t *ret_n);

/* The service's overview of one organisation (`breachctl report
 * --all-orgs`): of the incidents of the Store's organisation received in
 * [from, to) (0, 0: all), how many, how many still open, overdue at `now`
 * (the ICO decision pending past the deadline), reported to the ICO, and
 * of those reported within the 72 hours (ico_notified_at by the deadline). */
typedef struct {
        int64_t received, open, overdue, ico_reported, ico_within_72h;
} OrgSummary;
int store_org_summary(Store *s, int64_t from, int64_t to, int64_t now, OrgSummary *ret);
