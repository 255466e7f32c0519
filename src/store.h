/* store.h — the register: SQLite, WAL, synchronous=FULL.
 *
 * The schema carries a version (PRAGMA user_version) and store_open()
 * upgrades an older database in place.  All times are UTC seconds.
 * Statements are prepared once and finalised by store_close(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "incident.h"

typedef struct Store Store;

#define STORE_SCHEMA_VERSION 1

/* Creates the database (0600, in a 0700 directory when it creates the
 * directory) or opens and upgrades it. */
int store_open(const char *path, Store **ret);
void store_close(Store *s);
static inline void store_closep(Store **s) { store_close(*s); }
#define _cleanup_store_ _cleanup_(store_closep)
const char *store_errmsg(Store *s);
struct sqlite3 *store_db(Store *s);   /* for read-only reporting queries */

int store_begin(Store *s);
int store_commit(Store *s);
void store_rollback(Store *s);

/* ---- messages seen ---- */
typedef enum {
        DISP_REPORT = 1,   /* filed as a new incident */
        DISP_FOLLOWUP,     /* attached to an incident */
        DISP_QUARANTINE,   /* refused, with a reason */
        DISP_DUPLICATE,    /* same message key as one already seen */
        DISP_IGNORED,      /* no action (auto-replies, blank-form requests) */
} Disposition;
const char *disposition_name(Disposition d);

typedef struct {
        const char *mailbox;
        uint32_t uidvalidity, uid;
        const char *key;          /* "<message-id>" or "sha256:<hex>" */
        const char *message_id, *from_addr, *subject;
        int64_t received_at;
        int64_t incident_id;      /* 0: none */
        Disposition disposition;
        const char *reason;       /* for quarantine / ignored */
        const void *raw;
        size_t raw_len;
} StoredMessage;

/* 1 if (mailbox, uidvalidity, uid) was recorded, 0 if not. */
int store_uid_seen(Store *s, const char *mailbox, uint32_t uidvalidity, uint32_t uid);
/* 1 if that UID was recorded as quarantined. */
int store_uid_quarantined(Store *s, const char *mailbox, uint32_t uidvalidity, uint32_t uid);
/* 1 and the incident (0 if none) if a message with this key was recorded. */
int store_key_seen(Store *s, const char *key, int64_t *ret_incident_id);
int store_add_message(Store *s, const StoredMessage *m);
/* Every recorded UID of the mailbox/uidvalidity not yet marked moved. */
int store_mark_moved(Store *s, const char *mailbox, uint32_t uidvalidity, const uint32_t *uids, size_t n);
/* The highest UID recorded for mailbox/uidvalidity (0 if none). */
int store_max_uid(Store *s, const char *mailbox, uint32_t uidvalidity, uint32_t *ret);

/* ---- incidents ---- */
/* Allocates the next reference for `year` (never reused). */
int store_next_ref(Store *s, const char *pattern, int year, char **ret);
int store_insert_incident(Store *s, Incident *inc);      /* sets inc->id */
int store_load_incident(Store *s, const char *ref, Incident *ret);
int store_find_incident_by_message_id(Store *s, const char *message_id, int64_t *ret_id);
int store_incident_ref(Store *s, int64_t id, char **ret);
int store_audit(Store *s, int64_t incident_id, const char *actor, const char *action,
                const char *field, const char *old_value, const char *new_value);

/* ---- outbox ---- */
typedef struct {
        int64_t id;
        int64_t incident_id;      /* 0: none */
        char *kind;               /* ack, dpo_notice, reminder, ... */
        char *envelope_from;
        StrList rcpts;
        char *message_id;
        char *data;
        size_t len;
        int attempts;
        int64_t next_attempt_at;
} OutboxRow;
void outbox_row_free(OutboxRow *r);

int store_queue_mail(Store *s, int64_t incident_id, const char *kind, const char *envelope_from,
                     const StrList *rcpts, const char *message_id, const char *subject,
                     const char *data, size_t len, int64_t *ret_id);
/* Rows due at `now`, oldest first, at most `max`. */
int store_outbox_due(Store *s, int64_t now, size_t max, OutboxRow **ret, size_t *ret_n);
int store_outbox_sent(Store *s, int64_t id, int64_t now);
int store_outbox_retry(Store *s, int64_t id, int64_t next_at, const char *error);
int store_outbox_failed(Store *s, int64_t id, const char *error);
/* Earliest next_attempt_at of queued rows, or INT64_MAX. */
int store_outbox_next_due(Store *s, int64_t *ret);
int store_outbox_counts(Store *s, int64_t *ret_queued, int64_t *ret_failed);
