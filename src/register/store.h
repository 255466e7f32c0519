/* store.h — the register: SQLite (WAL, synchronous=FULL), or PostgreSQL
 * when the database is a postgresql:// URI (store_pg.c).
 *
 * The schema carries a version (PRAGMA user_version; on PostgreSQL the
 * table schema_version) and store_open()
 * upgrades an older database in place.  All times are UTC seconds.
 * Statements are prepared once and finalised by store_close(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "register/incident.h"

typedef struct Store Store;

#define STORE_SCHEMA_VERSION 10

/* Creates the database (0600 whatever the umask, in a 0700 directory when
 * it creates the directory) or opens and upgrades it.  An existing file
 * readable by others is tightened to 0600; an existing directory others can
 * list is warned about, not changed.  Never opens the file outside SQLite
 * once it exists (see ensure_file() in store.c: that would drop the
 * process's locks on it). */
int store_open(const char *path, Store **ret);
/* store_open() with the password of a PostgreSQL register read from
 * secret (database_password_file or database_password_command; NULL or
 * neither set: libpq's own ways, ~/.pgpass or PGPASSWORD). */
int store_open_secret(const char *target, const SecretSource *secret, Store **ret);
void store_close(Store *s);

/* ---- copying a register ----
 *
 * Every row of from into to, a new register of the same schema version
 * (breachctl migrate --to: an SQLite register into PostgreSQL): read in one
 * snapshot of from, written in one transaction on to, each table read back
 * from both and compared row by row, column by column, before to commits.
 * fn (may be NULL) is told each table and its rows as it is done.
 * -ENOTEMPTY when to already holds incidents, messages or mail; -EPROTO
 * when a row differs or from has a table this version does not know; the
 * reason in *ret_why (to free, may be NULL). */
typedef void (*StoreCopyFn)(const char *table, int64_t rows, void *userdata);
int store_copy(Store *from, Store *to, StoreCopyFn fn, void *userdata, char **ret_why);
static inline void store_closep(Store **s) { store_close(*s); }
#define _cleanup_store_ _cleanup_(store_closep)
const char *store_errmsg(Store *s);

/* Failures of the register itself (disk full, I/O error, locked past the
 * busy timeout, read-only, corrupt), of any Store of this process, counted
 * since it started: compare the count before and after a step that failed
 * to know whether the register was the cause.  store_last_failure() says
 * the latest in words ("database or disk is full: (28) write(…-wal) - No
 * space left on device"); caller frees. */
unsigned store_failures(void);
char *store_last_failure(void);

/* ---- organisations (schema 9; docs/DESIGN.md "Organisations") ----
 * Every incident, message, mail and audit row belongs to one organisation
 * (its key, Config.org; '' for a single-organisation service).  The Store
 * has an organisation in scope, '' when opened: what is looked up by
 * reference or Message-ID, listed, counted, numbered or due (references,
 * reminders, digests, quarantine, counts, the register's views) is that
 * organisation's alone, and what is written (an incident, its reference
 * sequence, a message, a mail, an audit row) is filed under it (a row
 * about an incident under the incident's, whatever the scope).  NULL
 * scopes to every organisation, for the service's own views; writing then
 * files under ''.  Lookups by incident id are the register's, whatever the
 * scope. */
void store_set_org(Store *s, const char *org);
const char *store_org(Store *s);         /* NULL: every organisation */
const char *store_org_key(Store *s);     /* the scope, "" for NULL */
/* The organisation of incident id (*ret owned); -ENOENT when none. */
int store_incident_org(Store *s, int64_t id, char **ret);
/* The organisations that have an incident whose reference is ref (case
 * ignored), in order, added to *ret; their number. */
int store_ref_orgs(Store *s, const char *ref, StrList *ret);
/* The incident whose token is token, in any organisation: 1 and *ret_id,
 * 0 when none (tokens are random: one is one incident's; case ignored, as a plus-address comes lower-cased). */
int store_find_token(Store *s, const char *token, int64_t *ret_id);

int store_begin(Store *s);
/* On failure the transaction has been rolled back. */
int store_commit(Store *s);
void store_rollback(Store *s);

/* ---- locks (store_lock.c; docs/DESIGN.md "Failover") ----
 *
 * A named lock a host holds while it works something: "mailbox:KEY" for a
 * mailbox, "service" for the outbox, reminders, digests and purge.  On
 * PostgreSQL a session-level advisory lock on the Store's connection, key
 * (1651663720, hashtext(name)) (store_lock.c says how to find them in
 * pg_locks): freed by PostgreSQL when the connection ends, however it
 * ends.  On SQLite (one file, one host) always taken.
 *
 * The daemon takes a lock before it works the thing (store_lock(); 0:
 * another host has it, be standby and try again later), asks
 * store_lock_held() before each step that acts for the owner (a batch of
 * messages, a pass of the outbox), and store_lock_check() every few
 * seconds while it works or waits (IDLE): after the connection was lost
 * and made again, the locks are gone and held says false; stop working the
 * thing and take the lock again.  store_close() frees them all. */
/* 1: taken (or held already in this session); 0: held by another
 * session; or the register's error. */
int store_lock(Store *s, const char *name);
/* Whether store_lock(name) took it in the session that is still the
 * Store's: no round trip, so a connection cut since the last statement is
 * only known at the next (store_lock_check()). */
bool store_lock_held(Store *s, const char *name);
/* Asks the server (one round trip) whether the session lives on: how many
 * of the Store's locks are still held (0 when the connection was lost:
 * none is), or the register's error when it cannot tell. */
int store_lock_check(Store *s);
/* Lets name go (not an error when not held). */
int store_unlock(Store *s, const char *name);
/* Inside a transaction, before it reads what it will decide on: waits
 * until no other transaction serialised on name is open, so that a pass
 * two hosts may run at once (the reminders, the weekly and quarantine
 * digests) runs on one at a time and the second reads what the first
 * committed: a clean no-op, not a second mail.  PostgreSQL's
 * pg_advisory_xact_lock(1651663720, hashtext('pass:' || name)), let go at
 * COMMIT or ROLLBACK; nothing on SQLite, whose BEGIN IMMEDIATE already
 * lets one writer in at a time.  -EINVAL outside a transaction. */
int store_serialise(Store *s, const char *name);
/* Who holds breachd's locks on the server, for breachctl status: each
 * lock's key (its objid in pg_locks), the name among names whose key it is
 * (NULL: none), the holder's application_name (breachd@HOST/PID), its
 * backend pid, client address ("" on the unix socket) and when it
 * connected.  Strings valid during the call.  Nothing on SQLite. */
typedef struct {
        const char *name;
        int64_t key;
        const char *holder, *client;
        int64_t pid, since;
} StoreLockHolder;
typedef int (*StoreLockFn)(const StoreLockHolder *h, void *userdata);
int store_lock_holders(Store *s, const StrList *names, StoreLockFn fn, void *userdata);
/* The key of name (objid in pg_locks); -EOPNOTSUPP on SQLite. */
int store_lock_key(Store *s, const char *name, int64_t *ret);

/* ---- messages seen ---- */
typedef enum {
        DISP_REPORT = 1,   /* filed as a new incident */
        DISP_FOLLOWUP,     /* attached to an incident */
        DISP_QUARANTINE,   /* refused, with a reason */
        DISP_DUPLICATE,    /* same message key as one already seen */
        DISP_IGNORED,      /* no action (blank-form requests, delivery reports matched) */
        DISP_AUTOMATIC,    /* automatic mail that needs nobody: filed quietly, with the reason */
} Disposition;
const char *disposition_name(Disposition d);

typedef struct {
        const char *mailbox;
        uint32_t uidvalidity, uid;
        const char *key;          /* "<message-id>" or "sha256:<hex>" */
        /* message_id: its Message-ID, or for a forward of a message that
         * had one, the forwarded message's (a later copy of the same
         * report is matched by it; the forward itself by its key). */
        const char *message_id, *from_addr, *subject;
        int64_t received_at;
        /* A report's original (schema 10): the message the reporter sent,
         * by which a later copy is known.  Filed directly, the message
         * itself (its From:, Date: or else when received, Subject:,
         * Message-ID); filed from a forward, the pasted header block's or
         * the attached message's (orig_message_id NULL when it had none).
         * orig_from is the bare address; all NULL/0 for other
         * dispositions. */
        const char *orig_from, *orig_subject, *orig_message_id;
        int64_t orig_at;
        int64_t incident_id;      /* 0: none */
        Disposition disposition;
        const char *reason;       /* for quarantine / ignored */
        const void *raw;
        size_t raw_len;
} StoredMessage;

/* The disposition recorded for (mailbox, uidvalidity, uid), or 0 when the
 * UID was never recorded. */
int store_uid_disposition(Store *s, const char *mailbox, uint32_t uidvalidity, uint32_t uid);
/* 1 and the incident (0 if none) if a message with this key was recorded. */
int store_key_seen(Store *s, const char *key, int64_t *ret_incident_id);
int store_add_message(Store *s, const StoredMessage *m);
/* Sets a recorded message's original (StoredMessage.orig_*): a message
 * reprocessed into a report. */
int store_set_original(Store *s, int64_t message_row, const char *from, int64_t at, const char *subject,
                       const char *message_id);
/* Every recorded UID of the mailbox/uidvalidity not yet marked moved. */
int store_mark_moved(Store *s, const char *mailbox, uint32_t uidvalidity, const uint32_t *uids, size_t n);

/* ---- incidents ---- */
/* Allocates the next reference for `year` (never reused). */
int store_next_ref(Store *s, const char *pattern, int year, char **ret);
int store_insert_incident(Store *s, Incident *inc);      /* sets inc->id */
int store_load_incident(Store *s, const char *ref, Incident *ret);
int store_find_incident_by_message_id(Store *s, const char *message_id, int64_t *ret_id);
/* The incident a message we received and filed (a report, a follow-up,
 * a second copy) was attached to, by its Message-ID (without <>), or by
 * the Message-ID of the message a filed forward carried: 1 and *ret_id, 0
 * when none was filed, or a negative code.  Mail breachd sent does not
 * count. */
int store_find_filed_message(Store *s, const char *message_id, int64_t *ret_id);
/* Each report whose original (StoredMessage.orig_*) was sent by from_addr
 * (ignoring ASCII case) with a Date: from since to until (UTC seconds),
 * oldest first; when message_id is non-NULL, only those whose original had
 * no Message-ID (two that both have one are the same message only when
 * they are equal: store_find_filed_message()).  fn gets its incident, the
 * original's subject and Date:; a negative return from fn stops the walk
 * and is returned. */
typedef int (*StoreReportFn)(int64_t incident_id, const char *subject, int64_t sent_at, void *userdata);
int store_reports_from(Store *s, const char *from_addr, int64_t since, int64_t until, const char *message_id,
                       StoreReportFn fn, void *userdata);
int store_incident_ref(Store *s, int64_t id, char **ret);
int store_audit(Store *s, int64_t incident_id, const char *actor, const char *action,
                const char *field, const char *old_value, const char *new_value);

/* ---- follow-ups (store_fields.c) ---- */
/* Rewrites the form fields of the filed incident inc->id (every field
 * column), its notes, and what incident_evaluate() works out: awareness,
 * deadline, lateness, days to report, missing, unclear, fallbacks.  The
 * DPO's assessment is not touched.  -ENOENT if there is no such incident. */
int store_update_incident_fields(Store *s, const Incident *inc);
/* store_load_incident() by id, whatever the scope: the incident of its own
 * organisation (another may have the same reference). */
int store_load_incident_by_id(Store *s, int64_t id, Incident *ret);
typedef struct {
        int64_t received_at;
        char *from_addr, *subject;
} StoredFollowup;
/* The messages recorded as follow-ups of the incident, oldest first; the
 * caller frees the array with stored_followups_free(). */
int store_followups(Store *s, int64_t incident_id, StoredFollowup **ret, size_t *ret_n);
void stored_followups_free(StoredFollowup *v, size_t n);

/* ---- the DPO's assessment, actions, notes, reminders (store_assess.c) ---- */
/* The text columns of the assessment (breach-form.md §3), in this order. */
typedef enum {
        AS_STATUS,
        AS_ICO_DECISION,
        AS_ICO_REFERENCE,
        AS_ICO_RATIONALE,
        AS_ICO_DELAY_REASON,
        AS_ICO_OUTCOME,
        AS_OUTCOME,
        AS_ASSESSED_BY,
        AS_ALLOCATED_TO,
        AS_SUBJECTS_NOTIFIED,
        AS_SEVERITY,            /* "1".."5" */
        AS_SENSITIVITY,
        AS_ROOT_CAUSE,
        AS_ACTION_TAKEN,
        AS__MAX
} AssessField;
/* The column of each AssessField ("status", "ico_decision", ...); static. */
extern const char *const assess_columns[AS__MAX];

typedef struct {
        int64_t id;
        char *ref, *token;
        int64_t aware_at, deadline_at, filed_at;
        bool late;
        char *f[AS__MAX];               /* NULL when not set; owned */
        int64_t ico_notified_at, subjects_notified_at, closed_at;   /* 0: not set */
        bool closed_without_report;
        int64_t next_reminder_at;       /* -1: no reminder planned; 0: to be worked out */
        int64_t last_reminder_at;       /* the latest reminder point covered; 0: none yet */
} Assessment;
void assessment_free(Assessment *a);
int store_load_assessment(Store *s, int64_t incident_id, Assessment *ret);
/* Writes f[], the three times and closed_without_report of a->id. */
int store_save_assessment(Store *s, const Assessment *a);
/* The incident whose reference is ref, ignoring case (a plus-address comes
 * lower-cased): its id, and its reference as filed.  -ENOENT if none. */
int store_find_ref(Store *s, const char *ref, int64_t *ret_id, char **ret_ref);

/* The ids of incidents whose next_reminder_at is set and <= now, earliest
 * first, at most max (an index range, not a scan).  Caller frees *ret. */
int store_reminders_due(Store *s, int64_t now, size_t max, int64_t **ret, size_t *ret_n);
/* The earliest next_reminder_at, or INT64_MAX when none is planned. */
int store_reminder_next(Store *s, int64_t *ret);
/* Sets next_reminder_at (-1: none) and, when last_at > 0, last_reminder_at. */
int store_reminder_schedule(Store *s, int64_t incident_id, int64_t next_at, int64_t last_at);
/* Records the reminder for point due_at, queued at `now` to rcpts (joined
 * with ", "); -EEXIST if that point was recorded already. */
int store_reminder_record(Store *s, int64_t incident_id, int64_t due_at, const char *kind, const char *rcpts,
                          int64_t now);
typedef struct {
        int64_t due_at, queued_at;
        char *kind, *rcpts;
} StoredReminder;
int store_reminders_list(Store *s, int64_t incident_id, StoredReminder **ret, size_t *ret_n);
void stored_reminders_free(StoredReminder *v, size_t n);

/* Remedial actions, numbered 1, 2, ... per incident. */
typedef struct {
        int64_t n;
        char *text, *owner, *due;       /* due: "YYYY-MM-DD" or NULL */
        int64_t created_at, done_at;    /* done_at 0: not done */
        char *created_by, *done_by;
} CaseAction;
int store_actions_list(Store *s, int64_t incident_id, CaseAction **ret, size_t *ret_n);
void case_actions_free(CaseAction *v, size_t n);
int store_action_add(Store *s, int64_t incident_id, const char *text, const char *owner, const char *due,
                     const char *by, int64_t now, int64_t *ret_n);
/* -ENOENT: no action n; -EALREADY: done already. */
int store_action_done(Store *s, int64_t incident_id, int64_t n, const char *by, int64_t now);

/* Notes: append-only, with time and author. */
typedef struct {
        int64_t at;
        char *author, *text;
} CaseNote;
int store_note_add(Store *s, int64_t incident_id, const char *author, const char *text, int64_t now);
int store_notes_list(Store *s, int64_t incident_id, CaseNote **ret, size_t *ret_n);
void case_notes_free(CaseNote *v, size_t n);

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
        int unconfirmed;          /* hand-overs whose outcome was never recorded */
} OutboxRow;
void outbox_row_free(OutboxRow *r);

int store_queue_mail(Store *s, int64_t incident_id, const char *kind, const char *envelope_from,
                     const StrList *rcpts, const char *message_id, const char *subject,
                     const char *data, size_t len, int64_t *ret_id);
/* Rows due at `now`, oldest first, at most `max`. */
int store_outbox_due(Store *s, int64_t now, size_t max, OutboxRow **ret, size_t *ret_n);
int store_outbox_sent(Store *s, int64_t id, int64_t now);
int store_outbox_retry(Store *s, int64_t id, int64_t next_at, const char *error);
/* -EALREADY when the row is no longer queued (another host recorded it). */
int store_outbox_failed(Store *s, int64_t id, const char *error);
/* Earliest next_attempt_at of queued rows, or INT64_MAX. */
int store_outbox_next_due(Store *s, int64_t *ret);
int store_outbox_counts(Store *s, int64_t *ret_queued, int64_t *ret_failed);

/* ---- the register as a breach log (store_register.c, store_register.h) ---- */
/* The schema step adding incidents.source ('mail' or 'import'),
 * import_origin, received_time_known and the breach log's own columns; run
 * by store_open() through migrations[]. */
int store_register_schema(Store *s);

/* ---- limits, bounces, retention (store_limits.c) ---- */
/* The schema step adding auto_mail, the outbox Message-ID index and
 * messages.raw_purged_at; run by store_open() through migrations[]. */
int store_limits_schema(Store *s);
/* Automatic replies counted for addr after `since`. */
int store_auto_mail_count(Store *s, const char *addr, int64_t since, unsigned *ret);
/* Counts one automatic reply of `kind` to addr; about_key (optional) is the
 * key of the message it answers; incident_id 0: none. */
int store_auto_mail_add(Store *s, const char *addr, int64_t at, const char *kind, const char *about_key,
                        int64_t incident_id);
/* 1 if a reply of `kind` was already counted for the message about_key. */
int store_auto_mail_about(Store *s, const char *about_key, const char *kind);
/* Forgets counted replies older than before. */
int store_prune_auto_mail(Store *s, int64_t before);

/* A row of the outbox found by the Message-ID of the mail it holds. */
typedef struct {
        int64_t id, incident_id;  /* incident_id 0: none */
        char *kind, *state;
        char *org;                /* the organisation it was sent for ("" single) */
        StrList rcpts;
} OutboxRef;
void outbox_ref_free(OutboxRef *r);
/* -ENOENT when no mail of ours had that Message-ID (without <>). */
int store_outbox_by_message_id(Store *s, const char *message_id, OutboxRef *ret);
/* Marks a row accepted earlier as bounced afterwards, with why. */
int store_outbox_bounced(Store *s, int64_t id, const char *error);

/* Drops the raw bytes of messages received before `before` (the message
 * rows, keys and incidents stay; raw_purged_at = now) and empties the body
 * of sent or failed outbox rows created before it.  Either count may be
 * NULL. */
int store_purge_raw(Store *s, int64_t before, int64_t now, unsigned *ret_messages, unsigned *ret_mails);
/* Rewrites the disposition of messages row message_row (reprocessing);
 * -ENOENT when there is no such row. */
int store_set_disposition(Store *s, int64_t message_row, Disposition d, int64_t incident_id, const char *reason);
/* Deleted content is overwritten with zeros while on (the purge). */
int store_secure_delete(Store *s, bool on);
/* Copies the WAL into the database and truncates it (best effort). */
int store_checkpoint(Store *s);
/* The incident (0: none) messages row message_row belongs to. */
int store_message_incident(Store *s, int64_t message_row, int64_t *ret);
/* store_outbox_sent() without waiting for the disk (see store_limits.c):
 * for the sender, whose only risk is sending a mail twice. */
int store_outbox_sent_quick(Store *s, int64_t id, int64_t now);

/* ---- the claim before sending (store_outbox.c) ---- */
/* The schema step adding outbox.unconfirmed. */
int store_outbox_schema(Store *s);
/* Right before row (as store_outbox_due() read it) is handed to the SMTP
 * server: its next attempt moves to `until` and its count of unconfirmed
 * hand-overs goes up by one; recording the outcome (sent, retry, failed)
 * sets it back to 0.  So a mail the server accepted whose "sent" mark
 * could not be written is not due again before `until`, even after a
 * restart, and a row handed over twice without an outcome is known
 * (OutboxRow.unconfirmed).  Fails, and the row must not be sent, when the
 * register cannot be written; -EALREADY, and it must not be sent either,
 * when the row is no longer as read: another sender (a second host on one
 * PostgreSQL) claimed or recorded it since.  Of two senders claiming one
 * row at once, exactly one gets 0. */
int store_outbox_claim(Store *s, const OutboxRow *row, int64_t until);
/* What was handed to the server after `since` (sent_at), for the
 * per-address cap at sending (sender.h). */
typedef struct {
        char *rcpts;      /* newline-separated */
        int64_t sent_at;
} OutboxSent;
int store_outbox_sent_since(Store *s, int64_t since, OutboxSent **ret, size_t *ret_n);
void outbox_sent_free(OutboxSent *v, size_t n);

/* The mail of an incident as `breachctl show` lists it.  The strings are
 * the register's, valid only during the callback. */
typedef struct {
        const char *kind;
        const char *rcpts;        /* newline-separated */
        const char *state;        /* queued, sent, failed, bounced */
        int attempts;
        const char *last_error;   /* NULL: none */
        int64_t at;               /* when sent, else when queued */
} OutboxListed;
/* Called for each mail; a negative return stops the walk and is returned. */
typedef int (*OutboxListFn)(const OutboxListed *m, void *userdata);
/* The mail queued for incident_id, oldest first. */
int store_outbox_list(Store *s, int64_t incident_id, OutboxListFn fn, void *userdata);

/* The calendar mail of an incident (notices/calendar.h): *ret_count, how
 * many mails of the kinds that may carry its event (dpo_notice,
 * calendar_update, calendar_cancel) were ever queued, which is the
 * SEQUENCE the next one takes (rows are never deleted: a purge only
 * empties their data); *ret_cancelled, whether a cancel was queued;
 * *ret_sent (optional), whether any of them carried the event (an update,
 * or a notice queued with it: not a late report's overdue notice, nor one
 * queued before the calendar was written or while dpo_calendar was off). */
int store_outbox_calendar(Store *s, int64_t incident_id, unsigned *ret_count, bool *ret_cancelled,
                          bool *ret_sent);

/* The smallest write that proves the register can be written (a commit of
 * one page): 0, or the error a real write would have. */
int store_check_writable(Store *s);

/* ---- counts (store_counts.c) ---- */
/* What the daemon's STATUS= line and breachctl status say of the register. */
typedef struct {
        int64_t open_incidents;
        int64_t pending_decisions;
        int64_t overdue;            /* pending and past the deadline */
        int64_t next_deadline;      /* earliest deadline still pending; 0 if none */
        char *next_deadline_ref;    /* owned; NULL if none */
        int64_t outbox_queued, outbox_failed;
        int64_t oldest_queued;      /* created_at of the oldest mail still queued; 0 if none */
        int64_t quarantined;        /* messages in quarantine, all time */
        int64_t automatic_week;     /* automatic mail filed quietly, seen in the last 7 days */
        int64_t automatic;          /* the same, all time */
        int64_t bounces_week;       /* delivery reports matched to our mail, in the last 7 days */
        int64_t filed_total;        /* incidents ever filed (closed ones too) */
} RegisterCounts;
void store_counts_free(RegisterCounts *c);
/* The counts at `now`; *ret is filled as far as it could be read even on
 * failure, and must be freed with store_counts_free() either way. */
int store_counts(Store *s, int64_t now, RegisterCounts *ret);

/* ---- the DPO's weekly digest (store_digest.c) ---- */
/* An incident as the digest lists it.  Owned strings. */
typedef struct {
        char *ref, *token, *decision;
        int64_t received_at, deadline_at;
        bool late, closed;
} DigestCase;
void digest_cases_free(DigestCase *v, size_t n);
/* The incidents not closed, oldest first. */
int store_digest_open(Store *s, DigestCase **ret, size_t *ret_n);
/* The incidents reported late (incidents.late) received in [from, to). */
int store_digest_late(Store *s, int64_t from, int64_t to, DigestCase **ret, size_t *ret_n);
/* A remedial action not done by its due date, of a case not closed. */
typedef struct {
        char *ref, *token, *text, *owner, *due;   /* owner NULL: nobody named */
        int64_t n;
} DigestAction;
void digest_actions_free(DigestAction *v, size_t n);
/* The actions whose due date ("YYYY-MM-DD") is before today, earliest first. */
int store_digest_overdue_actions(Store *s, const char *today, DigestAction **ret, size_t *ret_n);
/* The latest week (its slot, weekly.h) up to up_to a digest was queued
 * for; 0: never.  Kept as an audit row with no incident, written by
 * store_digest_mark_week() in the transaction that queues the digest. */
int store_digest_last_week(Store *s, int64_t up_to, int64_t *ret);
int store_digest_mark_week(Store *s, int64_t slot, const char *rcpts);

/* ---- history (store_audit.c) ---- */
/* One entry of an incident's history (store_audit()).  The strings are the
 * register's, valid only during the callback; NULL: not recorded. */
typedef struct {
        int64_t at;
        const char *actor, *action, *field, *old_value, *new_value;
} AuditEntry;
/* Called for each entry; a negative return stops the walk and is returned. */
typedef int (*AuditFn)(const AuditEntry *e, void *userdata);
/* The history of incident_id, oldest first. */
int store_audit_list(Store *s, int64_t incident_id, AuditFn fn, void *userdata);
/* Who last changed field of the incident (a follow-up, the DPO), leaving
 * out breachctl reprocess itself: *ret owned, NULL when nobody did. */
int store_audit_changed_by(Store *s, int64_t incident_id, const char *field, char **ret);
/* Whether the reporter was ever asked for what the report lacks: an
 * acknowledgement or a follow-up's confirmation was queued for the
 * incident; else whether the daily cap held the acknowledgement back. */
typedef enum {
        REPORTER_ASKED,
        REPORTER_ACK_WITHHELD,   /* the cap held the acknowledgement back, and nothing was sent since */
        REPORTER_NOT_ASKED,      /* no mail to the reporter at all (an imported incident, say) */
} ReporterAsked;
int store_reporter_asked(Store *s, int64_t incident_id, ReporterAsked *ret);

/* ---- messages read again (store_messages.c) ---- */
/* A recorded message with its raw bytes (raw has a NUL after len bytes).
 * Strings owned; NULL: not recorded. */
typedef struct {
        int64_t id, received_at;  /* received_at: when it was seen if not known */
        char *raw;
        size_t len;
        char *from, *subject, *reason;
} StoredRaw;
void stored_raw_free(StoredRaw *r);
/* The messages row id; -ENOENT, or -ENODATA when its raw bytes were
 * purged or never kept. */
int store_messages_raw(Store *s, int64_t id, StoredRaw *ret);
/* The rows of the quarantined messages whose raw bytes are kept, in the
 * order recorded, automatic mail left out.  Caller frees *ret. */
int store_messages_quarantined(Store *s, int64_t **ret, size_t *ret_n);
/* The same for automatic mail: filed quietly (DISP_AUTOMATIC), or
 * quarantined as automatic by a version before the automatic folder
 * (reason STORE_REASON_AUTOMATIC), which store_messages_quarantined()
 * leaves out. */
int store_messages_automatic(Store *s, int64_t **ret, size_t *ret_n);

/* The quarantine digest (store_messages.c): each quarantined message is
 * told to the admin once.  messages.reported_at (schema 7) records when;
 * the latest is when the last digest went, so the hourly limit holds
 * across restarts. */
typedef struct {
        int64_t id;
        char *from, *subject, *reason;
        int64_t seen_at;
} QuarantinedMessage;
void quarantined_messages_free(QuarantinedMessage *v, size_t n);
/* The start of the reason recorded for automatic mail (ingest_refusal():
 * out-of-office replies, lists, receipts): it needs nobody, so it is filed
 * quietly (DISP_AUTOMATIC); the digest leaves out the automatic mail older
 * versions quarantined. */
#define STORE_REASON_AUTOMATIC "automatic message"

/* The quarantined messages not yet in a digest that need a person (not
 * automatic mail, STORE_REASON_AUTOMATIC), in the order recorded.  Caller
 * frees *ret (quarantined_messages_free()). */
int store_quarantine_unreported(Store *s, QuarantinedMessage **ret, size_t *ret_n);
/* When the last digest was queued; 0 when never. */
int store_quarantine_last_digest(Store *s, int64_t *ret);
/* The quarantined messages that need a person (as above) seen since
 * `since`, told or not, in the order recorded; for the DPO's weekly
 * digest.  Caller frees *ret (quarantined_messages_free()). */
int store_quarantine_since(Store *s, int64_t since, QuarantinedMessage **ret, size_t *ret_n);
/* Marks the quarantined messages not yet reported, up to row up_to_id, as
 * reported at now; inside the transaction that queues the digest. */
int store_quarantine_mark_reported(Store *s, int64_t up_to_id, int64_t now);
/* The row of the message that filed incident_id as a report; -ENOENT when
 * none is recorded (imported, or entered by hand). */
int store_messages_report(Store *s, int64_t incident_id, int64_t *ret_id);
