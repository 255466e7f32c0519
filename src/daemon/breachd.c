/* breachd — the personal-data-breach mailbox daemon.  See breachd(8). */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/config.h"
#include "base/log.h"
#include "base/tz.h"
#include "case/templates_check.h"
#include "daemon/manager.h"
#include "notices/notices.h"

#define VERSION "0.1.0"

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: breachd [-c FILE] [--once | --check-config | --reload PID]\n"
                "\n"
                "Watches the breach-report mailbox, files each report in the register,\n"
                "acknowledges it and keeps the DPO's 72-hour clock.\n"
                "\n"
                "  -c, --config FILE   configuration file (default %s)\n"
                "      --check-config  check the configuration, list every error, exit\n"
                "      --once          poll once, send what is due, exit\n"
                "      --reload PID    check the configuration, ask the running daemon PID to\n"
                "                      reload it and wait for its answer (ExecReload=); fails\n"
                "                      when the daemon kept its running configuration\n"
                "  -v, --verbose       log debug messages\n"
                "  -h, --help          show this help\n"
                "      --version       show the version\n",
                config_default_path());
}

/* --reload PID: the configuration has been checked; now the daemon is
 * asked, and its answer is the exit status. */
static int reload_daemon(const char *arg)
{
        char *end = NULL;
        errno = 0;
        long pid = strtol(arg, &end, 10);
        if (errno || !end || *end || pid <= 1) {
                fprintf(stderr, "breachd: --reload: not a process id: %s\n", arg);
                return 2;
        }
        /* Less than systemd's default 90 s for a reload job. */
        int r = manager_request_reload((pid_t)pid, 80);
        switch (r) {
        case 0:
                printf("breachd (pid %ld) took the new configuration\n", pid);
                return 0;
        case -ECANCELED:
                fprintf(stderr, "breachd: reload refused: the daemon (pid %ld) could not use the new configuration "
                                "and keeps its running one; its log says why (journalctl -u breachd)\n", pid);
                return 1;
        case -ETIMEDOUT:
                fprintf(stderr, "breachd: reload: no answer from the daemon (pid %ld) within 80 s\n", pid);
                return 1;
        case -ESRCH:
                fprintf(stderr, "breachd: reload: the daemon (pid %ld) is not running\n", pid);
                return 1;
        default:
                fprintf(stderr, "breachd: reload: cannot signal the daemon (pid %ld): %s\n", pid, strerror(-r));
                return 1;
        }
}

int main(int argc, char **argv)
{
        enum { OPT_CHECK = 256, OPT_ONCE, OPT_VERSION, OPT_RELOAD };
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},  {"check-config", no_argument, NULL, OPT_CHECK},
                {"once", no_argument, NULL, OPT_ONCE},     {"verbose", no_argument, NULL, 'v'},
                {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, OPT_VERSION},
                {"reload", required_argument, NULL, OPT_RELOAD},
                {NULL, 0, NULL, 0},
        };
        const char *path = config_default_path();
        bool check = false, once = false;
        const char *reload_pid = NULL;
        int c;
        log_open("breachd");
        /* Filing a burst frees and allocates the same few hundred KiB for
         * every message: keep them instead of handing the top of the heap
         * back to the kernel and asking again each time (two brk() calls a
         * message).  The daemon trims the heap itself once a burst is over
         * (manager.c). */
        mallopt(M_TRIM_THRESHOLD, 8 << 20);
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
        /* libetpan writes with send(): a peer that hangs up must be an error
         * code, not a signal. */
        signal(SIGPIPE, SIG_IGN);
        while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
                switch (c) {
                case 'c': path = optarg; break;
                case OPT_CHECK: check = true; break;
                case OPT_ONCE: once = true; break;
                case OPT_RELOAD: reload_pid = optarg; break;
                case 'v': log_set_level(LOG_DEBUG); break;
                case 'h': usage(stdout); return 0;
                case OPT_VERSION: puts("breachd " VERSION); return 0;
                default: usage(stderr); return 2;
                }
        }
        if (optind < argc) {
                usage(stderr);
                return 2;
        }
        Config *cfg = NULL;
        _cleanup_free_ char *errors = NULL;
        int r = config_load(path, &cfg, &errors);
        if (r < 0) {
                if (errors && *errors)
                        fprintf(stderr, "%s\n", errors);
                else
                        fprintf(stderr, "%s: %s\n", path, strerror(-r));
                if (reload_pid)
                        fprintf(stderr, "breachd: not reloaded: the configuration has errors; the daemon "
                                        "keeps its running configuration\n");
                else if (!check)
                        fprintf(stderr, "breachd: not started: the configuration has errors\n");
                return 1;
        }
        if (reload_pid) {
                config_free(cfg);
                return reload_daemon(reload_pid);
        }
        if (check) {
                Tz *tz = NULL;
                _cleanup_free_ char *why = NULL;
                r = tz_open(cfg->timezone, &tz);
                if (r >= 0)
                        r = templates_check(cfg, tz, &why);
                tz_free(tz);
                if (r < 0) {
                        fprintf(stderr, "%s\n", why ? why : "cannot check the templates");
                        config_free(cfg);
                        return 1;
                }
                printf("%s: configuration OK\n", path);
                config_free(cfg);
                return 0;
        }
        Manager *m = NULL;
        r = manager_new(cfg, &m);
        if (r < 0)
                return 1;
        r = once ? manager_run_once(m) : manager_run(m);
        manager_free(m);
        return r < 0 ? 1 : 0;
}
