/* orgs.h — one daemon, several organisations (issue 17; breachd.conf(5)
 * ORGANISATIONS): which organisation a message in the shared mailbox is
 * for, and the daemon's periodic passes (reminders, the weekly digest, the
 * quarantine digest, the counts) run for each organisation in turn with its
 * own Config, its zone and its part of the register (store_set_org()).
 *
 * A single-organisation Config (n_orgs 0) is its own one organisation,
 * key "": every function here then does exactly what the plain one does. */
#pragma once

#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "case/reminders.h"
#include "notices/metrics.h"
#include "read/message.h"
#include "register/store.h"

/* The Config of the organisation whose key is key: cfg itself when key is
 * cfg->org, else one of cfg->orgs; NULL when there is none. */
const Config *orgs_find(const Config *cfg, const char *key);

/* The organisations' keys, ", "-separated, for an error; caller frees. */
char *orgs_keys(const Config *cfg);

/* The zone of org: *ret_owned is opened when it differs from the zone
 * `fallback` has (the caller frees it with tz_free()), else NULL and
 * fallback is returned.  NULL (with *ret_owned NULL) when the zone cannot
 * be opened, which config_load() has checked. */
const Tz *orgs_tz(const Config *org, const Tz *fallback, Tz **ret_owned);

/* The organisation a message in cfg's shared mailbox is for, tried in this
 * order:
 *   0. a delivery report about mail of ours (raw, len: the bytes, read by
 *      dsn.h): the organisation that sent it, whatever address the report
 *      came to (bounce_record() matches only its own organisation's mail);
 *   1. a case's token in a recipient's plus-address (the Reply-To of our
 *      mail about it): the case's organisation, whatever other
 *      organisation's address is among the recipients too;
 *   2. a recipient (To, Cc, Delivered-To, X-Original-To, in that order) is
 *      one of an organisation's addresses (as configured, a plus-address
 *      included; case ignored), unless In-Reply-To or References names a
 *      message of another organisation's case: then none (0);
 *   3. it is about a case: a DPO's token in the subject, In-Reply-To or
 *      References naming a message of an incident: the incident's
 *      organisation;
 *   4. the sender's domain is in exactly one organisation's staff_domains
 *      (its own: the main file's, which it shares when its file gives
 *      none, claim nobody).
 * 1 and *ret (one of cfg->orgs); 0 and *ret_why (caller frees) saying what
 * was tried, for the quarantine; a negative code on a register error.
 * The register is read whatever the Store's scope. */
int orgs_route(Store *s, const Config *cfg, const Message *m, const char *raw, size_t len, const Config **ret,
               char **ret_why);

/* Steps 2 and 4 of orgs_route(), which need no register: what the guard's
 * worker reads a message of the shared mailbox for (the organisation's
 * labels, zone and directorates), so that the daemon need not read it
 * again when orgs_route() gives the same.  NULL: neither step finds one. */
const Config *orgs_route_static(const Config *cfg, const Message *m);

/* reminders_run() for each organisation (its DPO, escalation, reminder
 * hours, templates, zone), in turn, then for the service's own cases (key
 * "", filed before there were organisations) with cfg's; the stats summed.  The first failure
 * stops the round and is returned (the organisations before it are
 * committed: each runs its own transaction). */
int reminders_run_all(Store *s, const Config *cfg, const Tz *tz, int64_t now, ReminderStats *ret_stats,
                      char **ret_why);
/* weekly_digest_run() for each organisation, then for the service's own
 * cases (key "", filed before there were organisations) with cfg's DPO
 * while any of them is open: 1 when any was queued. */
int weekly_digest_run_all(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why);
/* The earliest weekly_next_slot() of every organisation. */
int64_t weekly_next_slot_all(const Config *cfg, const Tz *tz, int64_t now);
/* alert_quarantine_digest() for the service (what no organisation took,
 * to the main file's admin) and for each organisation (what it refused,
 * to its admin), inside the caller's transaction: 1 when any was queued. */
int orgs_quarantine_digest(Store *s, const Config *cfg, const Tz *tz, int64_t now, char **ret_why);
/* store_counts() of the whole service: every organisation's together. */
int orgs_counts(Store *s, const Config *cfg, int64_t now, RegisterCounts *ret);
/* metrics_text(in); for a service of several organisations the register's
 * metrics once per organisation, labelled with its key (and "" for the
 * service's own: mail no organisation took), read here at in->now. */
char *orgs_metrics_text(Store *s, const Config *cfg, const MetricsInput *in);
