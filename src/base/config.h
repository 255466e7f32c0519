/* config.h — breachd.conf (libconfig syntax), see breachd.conf(5).
 *
 * config_load() parses a file into a fresh Config; every error is collected
 * as "file:line: message" and all of them are reported before failing.
 * Unknown keys are errors.  Defaults live in one designated initializer in
 * config.c.  A Config is immutable once loaded; SIGHUP loads a new one and
 * swaps it in only if it is valid. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

typedef enum {
        TLS_IMAPS,     /* implicit TLS (IMAP 993, SMTP 465) */
        TLS_STARTTLS,  /* plain connect, then STARTTLS; required */
        TLS_NONE,      /* only allowed to a loopback address */
} TlsMode;

typedef enum {
        AUTH_PLAIN,    /* LOGIN/PLAIN with a password */
        AUTH_XOAUTH2,  /* SASL XOAUTH2 with an access token from a command */
        AUTH_OAUTHBEARER,
        AUTH_NONE,     /* SMTP only: no authentication */
} AuthMode;

/* Where a secret comes from: exactly one of file or command is set. */
typedef struct {
        char *file;      /* must not be readable by group or others */
        char *command;   /* sh -c; first line of stdout */
} SecretSource;

typedef struct {
        char *host;
        uint16_t port;
        TlsMode tls;
        char *ca_file;          /* NULL: the system trust store */
        AuthMode auth;
        char *user;
        SecretSource secret;
        char *folder;           /* watched, default "INBOX" */
        char *processed_folder; /* default "Processed" */
        char *quarantine_folder;/* default "Quarantine" */
        char *automatic_folder; /* default "Automatic": automatic mail, filed quietly */
        bool idle;              /* use IDLE when offered, default true */
        /* Who is believed about a sender (case/sender_trust.h): the
         * authserv-ids of the Authentication-Results: fields the mail
         * server that delivers into this mailbox adds, and the header
         * field ("Name: value") it marks the organisation's own mail
         * with.  Either set turns the check of staff senders on; both
         * empty (the default): From: is taken as it is. */
        StrList trusted_authserv_ids;
        char *internal_mark;
} MailboxConfig;

typedef struct {
        char *host;
        uint16_t port;
        TlsMode tls;
        char *ca_file;
        AuthMode auth;          /* AUTH_NONE when no user is given */
        char *user;
        SecretSource secret;
        char *envelope_from;    /* MAIL FROM; default: the address in from */
        char *from;             /* "Data Breach Reporting <breach@example.org>" */
        char *reply_to;         /* optional */
} SmtpConfig;

typedef struct {
        char *name;             /* canonical, as in reports */
        StrList abbreviations;  /* e.g. "ASC", "CYPE" */
} Directorate;

typedef struct Config {
        char *path;             /* the file this came from */

        MailboxConfig mailbox;
        SmtpConfig smtp;

        StrList dpo;            /* DPO addresses, at least one */
        StrList escalation;     /* SIRO and others told when overdue */
        char *admin;            /* alerts about the service itself; optional */
        char *organisation;     /* shown in mail, default "" */
        /* How the people affected reach the DPO, for the letter to them
         * (Article 34(2) via 33(3)(b)); each NULL when not given. */
        struct {
                char *name;     /* "Jane Smith, Data Protection Officer" */
                char *email;    /* default: none (the letter marks the gap) */
                char *phone;
                char *address;  /* postal address, one line */
        } dpo_contact;

        char *timezone;         /* default "Europe/London" */
        char *reference_pattern;/* default "DB%Y%03n" */
        Directorate *directorates;
        size_t n_directorates;
        StrList staff_domains;  /* empty: any sender is staff */

        char *database;         /* default "/var/lib/breachd/breachd.db", or postgresql://... */
        SecretSource database_secret; /* database_password_file/_command; PostgreSQL only */
        char *templates_dir;    /* default SYSCONFDIR "/breachd/templates" */
        unsigned poll_interval; /* seconds, default 60 */
        /* The metrics in Prometheus's text format, written after each pass
         * for node_exporter's textfile collector; NULL (the default): none. */
        char *metrics_file;
        unsigned batch_size;    /* messages fetched and filed per transaction, default 200 */

        unsigned *reminder_hours;  /* default 24, 48, 60, 68 */
        size_t n_reminder_hours;

        uint64_t max_message_size;   /* default 25 MiB */
        unsigned retention_days;     /* raw messages; 0 = keep for ever; default 0 */
        unsigned max_auto_replies_per_day; /* per address, default 20 */
        unsigned alert_after_failures;     /* mail admin after this many failed polls in a row, default 5 */
        /* The DPO's weekly digest (case/weekly.h): the day (0 Sunday ..
         * 6 Saturday; -1, the default: off) and the minute of that day,
         * in the configured time zone. */
        int weekly_digest_wday;
        unsigned weekly_digest_minute;
        /* The DPO's mail subjects carry the first line of the nature of the
         * breach (the summary), free text that may name a person; default
         * false: the directorate and the type of breach instead. */
        bool subject_summary;
        /* The DPO's notice carries the ICO deadline as a calendar event
         * (notices/calendar.h), updated and cancelled as the case goes;
         * default true. */
        bool dpo_calendar;

        /* Extra labels per field key, added to the defaults of form.c. */
        /* key is a field key, or "not_" and a yes/no field's key for
         * wordings that ask its question the other way round */
        struct { char *key; StrList labels; } *extra_labels;
        size_t n_extra_labels;

        /* ---- a shared service: several organisations in one daemon ----
         * (issue 17; breachd.conf(5) "ORGANISATIONS").
         * org: this organisation's key in the register, "" (never NULL once
         * loaded) for a single-organisation configuration.
         * orgs: each organisation's whole Config (the main file's settings
         * with the organisation's own file laid over them), owned here;
         * none (n_orgs 0) when this file serves one organisation.  An
         * organisation's Config has no orgs of its own.
         * org_addresses: the recipient addresses (aliases, plus-addresses)
         * that route mail in a shared mailbox to this organisation.
         * own_mailbox: the organisation's file gave a mailbox of its own
         * (watched apart, its mail filed under this organisation alone);
         * false: its mail arrives in the main file's shared mailbox. */
        char *org;
        struct Config **orgs;
        size_t n_orgs;
        StrList org_addresses;
        bool own_mailbox;
} Config;

/* Loads path.  On failure returns -EINVAL and *ret_errors holds one
 * "file:line: message" per line (caller frees); *ret is untouched.
 * When the file cannot be read at all, returns -errno (-ENOENT, -EACCES)
 * and *ret_errors says so as "file: cannot read: ...".  Errors with no line
 * (a required top-level setting left out) read "file: message".  Secrets are
 * not read here: only at connect time, by config_read_secret().
 * ret_errors may be NULL. */
int config_load(const char *path, Config **ret, char **ret_errors);
/* config_load() of the text of a file (NUL-terminated) rather than the
 * file itself: errors name path.  For the tests and the fuzzer (docs/
 * FUZZING.md); an "@include" in text is read relative to the current
 * directory. */
int config_parse(const char *text, const char *path, Config **ret, char **ret_errors);
void config_free(Config *c);
static inline void config_freep(Config **c) { config_free(*c); }
#define _cleanup_config_ _cleanup_(config_freep)

/* Reads the secret: the file (refused with -EPERM if group/other can read it)
 * or the command's first output line.  On error *ret_why explains. */
int config_read_secret(const SecretSource *s, char **ret, char **ret_why);

bool config_is_staff_address(const Config *c, const char *addr);
bool config_is_dpo_address(const Config *c, const char *addr);
/* Whether mailbox.trusted_authserv_ids or mailbox.internal_mark is set:
 * staff senders must then be vouched for by the mail server. */
bool config_checks_senders(const Config *c);
const char *tls_mode_name(TlsMode m);

/* Added: */
/* SYSCONFDIR "/breachd/breachd.conf"; static string. */
const char *config_default_path(void);
/* "password", "xoauth2", "oauthbearer", "none", as written in the file;
 * static string. */
const char *auth_mode_name(AuthMode m);
