/* state.c — see state.h. */
#include "daemon/state.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

void state_free(DaemonState *d)
{
        free(d->last_error);
        d->last_error = NULL;
}

char *state_path(const char *database)
{
        if (strncmp(database, "postgresql://", 13) != 0 && strncmp(database, "postgres://", 11) != 0)
                return xasprintf("%s.status", database);
        const char *dir = getenv("STATE_DIRECTORY");
        /* systemd may give several, colon-separated: the first. */
        _cleanup_free_ char *d = xstrdup(dir && *dir ? dir : "/var/lib/breachd");
        d[strcspn(d, ":")] = 0;
        _cleanup_free_ char *name = xstrdup(database);
        for (char *p = name; *p; p++)
                if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
                        *p = '_';
        return xasprintf("%s/%s.status", d, name);
}

int state_write(const char *path, const DaemonState *d)
{
        _cleanup_free_ char *tmp = xasprintf("%s.tmp", path);
        /* 0600 whatever the umask: it can carry the last error, which names
         * servers and accounts. */
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (fchmod(fd, 0600) < 0) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        FILE *f = fdopen(fd, "w");
        if (!f) {
                int r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        _cleanup_free_ char *err = d->last_error ? str_header_safe(d->last_error) : NULL;
        fprintf(f, "pid=%lld\nstarted=%lld\nwritten=%lld\nlast_poll_ok=%lld\nlast_poll_attempt=%lld\n"
                "imap_failures=%u\nregister_failures=%u\nidle=%d\n",
                (long long)d->pid, (long long)d->started, (long long)d->written, (long long)d->last_poll_ok,
                (long long)d->last_poll_attempt, d->imap_failures, d->register_failures, d->idle);
        if (err)
                fprintf(f, "last_error=%s\n", err);
        if (fclose(f) != 0 || rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

int state_read(const char *path, DaemonState *d)
{
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        memset(d, 0, sizeof *d);
        char line[1024];
        while (fgets(line, sizeof line, f)) {
                char *eq = strchr(line, '=');
                if (!eq)
                        continue;
                *eq = 0;
                char *v = str_trim(eq + 1);
                long long n = strtoll(v, NULL, 10);
                if (!strcmp(line, "pid"))
                        d->pid = n;
                else if (!strcmp(line, "started"))
                        d->started = n;
                else if (!strcmp(line, "last_poll_ok"))
                        d->last_poll_ok = n;
                else if (!strcmp(line, "last_poll_attempt"))
                        d->last_poll_attempt = n;
                else if (!strcmp(line, "written"))
                        d->written = n;
                else if (!strcmp(line, "register_failures"))
                        d->register_failures = (unsigned)n;
                else if (!strcmp(line, "imap_failures"))
                        d->imap_failures = (unsigned)n;
                else if (!strcmp(line, "idle"))
                        d->idle = (int)n;
                else if (!strcmp(line, "last_error")) {
                        free(d->last_error);
                        d->last_error = xstrdup(v);
                }
        }
        return 0;
}
