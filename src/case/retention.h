/* retention.h — raw messages are personal data: kept Config.retention_days,
 * then purged.
 *
 * The purge drops the raw bytes of every recorded message received before
 * the cut-off, and the bodies of the mail we sent before it (they quote the
 * report).  What stays: the register's fields, the message rows with their
 * keys (so a late copy is still known as a duplicate), who was mailed when.
 * The freed pages are overwritten (SQLite secure_delete) and the WAL is
 * checkpointed, so the bytes leave the database files too, not just its
 * tables.  Run by the daemon once a day and by `breachctl purge`. */
#pragma once

#include <stdint.h>

#include "base/config.h"
#include "register/store.h"

typedef struct {
        int64_t before;         /* the cut-off (UTC); 0 when nothing was due */
        unsigned messages;      /* raw messages dropped */
        unsigned mails;         /* bodies of sent mail emptied */
} PurgeStats;

/* Purges at `now` in a transaction of its own (call it outside one).  With
 * retention_days 0 only the reply counts older than a week are forgotten.
 * On failure the transaction is rolled back and nothing is purged. */
int retention_purge(Store *s, const Config *cfg, int64_t now, PurgeStats *ret);
