/* mover.c — see mover.h. */
#include "mail/mover.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "mail/imap.h"

typedef struct {
        uint32_t *uids;
        size_t n;
        char *dest;
        bool done;
        int r;
        char *why;
} Move;

struct Mover {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;    /* signalled on a new move, a finished one, and at the end */
        Move *q;                /* FIFO: moves not yet collected */
        size_t n, cap;
        size_t next;            /* the thread's next move in q */
        bool ending;
        /* Read by the thread only after start, written before it. */
        MailboxConfig cfg;
        char *secret, *folder;
        uint32_t uidvalidity;
};

static void move_free(Move *mv)
{
        free(mv->uids);
        free(mv->dest);
        free(mv->why);
}

/* The thread: connect, then move what comes, until told to end. */
static void *run(void *userdata)
{
        Mover *m = userdata;
        Imap *imap = NULL;
        char *no_conn = NULL;
        int r = imap_connect(&m->cfg, m->secret, &imap);
        if (r < 0) {
                no_conn = xasprintf("second connection: %s", imap_last_error(NULL));
        } else {
                uint32_t uidvalidity = 0, uidnext = 0, exists = 0;
                r = imap_select(imap, m->folder, &uidvalidity, &uidnext, &exists);
                if (r < 0)
                        no_conn = xasprintf("second connection: %s", imap_last_error(imap));
                else if (uidvalidity != m->uidvalidity)
                        no_conn = xasprintf("second connection: UIDVALIDITY of %s is now %u, not %u", m->folder,
                                            uidvalidity, m->uidvalidity);
        }
        /* The secret is not kept any longer than it is needed. */
        explicit_bzero(m->secret, strlen(m->secret));
        pthread_mutex_lock(&m->lock);
        for (;;) {
                while (!m->ending && m->next == m->n)
                        pthread_cond_wait(&m->cond, &m->lock);
                if (m->next == m->n)
                        break;
                Move *mv = &m->q[m->next];
                uint32_t *uids = mv->uids;
                size_t n = mv->n;
                const char *dest = mv->dest;
                pthread_mutex_unlock(&m->lock);
                char *why = NULL;
                if (no_conn) {
                        r = -ENOTCONN;
                        why = xstrdup(no_conn);
                } else {
                        r = imap_move(imap, uids, n, dest);
                        if (r < 0)
                                why = xstrdup(imap_last_error(imap));
                }
                pthread_mutex_lock(&m->lock);
                /* q may have moved (mover_submit grows it): index again. */
                mv = &m->q[m->next++];
                mv->r = r;
                mv->why = why;
                mv->done = true;
                pthread_cond_broadcast(&m->cond);
        }
        pthread_mutex_unlock(&m->lock);
        free(no_conn);
        imap_free(imap);
        imap_forget_connect_error();
        return NULL;
}

int mover_start(const MailboxConfig *cfg, const char *secret, const char *folder, uint32_t uidvalidity,
                Mover **ret)
{
        Mover *m = xcalloc(1, sizeof *m);
        pthread_mutex_init(&m->lock, NULL);
        pthread_cond_init(&m->cond, NULL);
        m->cfg = *cfg;
        m->secret = xstrdup(secret ? secret : "");
        m->folder = xstrdup(folder);
        m->uidvalidity = uidvalidity;
        int r = pthread_create(&m->thread, NULL, run, m);
        if (r != 0) {
                pthread_mutex_destroy(&m->lock);
                pthread_cond_destroy(&m->cond);
                free(m->secret);
                free(m->folder);
                free(m);
                return -r;
        }
        *ret = m;
        return 0;
}

void mover_submit(Mover *m, const uint32_t *uids, size_t n, const char *dest)
{
        pthread_mutex_lock(&m->lock);
        if (m->n == m->cap) {
                m->cap = m->cap ? 2 * m->cap : 4;
                m->q = xrealloc(m->q, m->cap * sizeof *m->q);
        }
        m->q[m->n++] = (Move){.uids = (uint32_t *)xmemdup(uids, n * sizeof *uids), .n = n, .dest = xstrdup(dest)};
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);
}

void mover_collect(Mover *m, bool wait, mover_done_fn done, void *userdata)
{
        pthread_mutex_lock(&m->lock);
        for (;;) {
                while (wait && m->n && !m->q[0].done)
                        pthread_cond_wait(&m->cond, &m->lock);
                if (!m->n || !m->q[0].done)
                        break;
                Move mv = m->q[0];
                memmove(m->q, m->q + 1, (m->n - 1) * sizeof *m->q);
                m->n--;
                m->next--;
                pthread_mutex_unlock(&m->lock);
                done(mv.uids, mv.n, mv.dest, mv.r, mv.why, userdata);
                move_free(&mv);
                pthread_mutex_lock(&m->lock);
        }
        pthread_mutex_unlock(&m->lock);
}

void mover_free(Mover *m)
{
        if (!m)
                return;
        pthread_mutex_lock(&m->lock);
        m->ending = true;
        pthread_cond_broadcast(&m->cond);
        pthread_mutex_unlock(&m->lock);
        pthread_join(m->thread, NULL);
        for (size_t i = 0; i < m->n; i++)
                move_free(&m->q[i]);
        free(m->q);
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->cond);
        free(m->secret);
        free(m->folder);
        free(m);
}
