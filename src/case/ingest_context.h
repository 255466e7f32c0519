/* ingest_context.h — what filing a message needs: the configuration, the
 * register, the zone, the form's labels, and the daemon's hooks.  A type of
 * its own, below ingest.h and followup.h, so that the follow-up (which
 * ingest calls) does not depend on ingest to borrow it.  Everything in it
 * is borrowed from the caller and outlives the pass. */
#pragma once

#include <stdbool.h>

#include "base/config.h"
#include "base/tz.h"
#include "read/form.h"
#include "register/store.h"

typedef struct {
        const Config *cfg;
        Store *store;
        const Tz *tz;
        const FormLabels *labels;
        /* Asked between batches (and after a poison message, whose reading
         * may have been waited on for half a minute): true to stop early
         * (SIGTERM); the daemon also pings its watchdog there. */
        bool (*should_stop)(void *userdata);
        /* Asked before each batch is filed and before each move (NULL:
         * always): false when this host no longer works the mailbox (two
         * hosts on one register: its lock was lost, docs/DESIGN.md
         * "Failover").  The pass ends there; what is not filed, or filed
         * and not moved, stays in the inbox for the host that works it. */
        bool (*holds_mailbox)(void *userdata);
        void *userdata;
        /* The mailbox secret the caller's session logged in with: a pass of
         * more than one batch opens a second session with it to move each
         * filed batch while the next is fetched (mover.h).  NULL: one
         * session, each move waited for. */
        const char *mailbox_secret;
} IngestContext;
