/* ctl_migrate.c — breachctl migrate --to URI: the register copied into a
 * new PostgreSQL register and verified row by row (store_copy()). */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "ctl/ctl.h"

static void copied(const char *table, int64_t rows, void *userdata)
{
        Ctl *c = userdata;
        fprintf(c->out, "%-12s %lld rows copied and verified\n", table, (long long)rows);
}

static int usage(void)
{
        fprintf(stderr, "usage: breachctl migrate --to postgresql://USER@HOST/DB [--password-file FILE]\n");
        return -EINVAL;
}

int ctl_migrate(Ctl *c, int argc, char **argv)
{
        static const struct option opts[] = {
                {"to", required_argument, NULL, 't'},
                {"password-file", required_argument, NULL, 'p'},
                {0},
        };
        const char *to = NULL;
        SecretSource secret = {0};
        optind = 1;
        for (int o; (o = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
                if (o == 't')
                        to = optarg;
                else if (o == 'p')
                        secret.file = optarg;
                else
                        return usage();
        }
        if (!to || optind != argc)
                return usage();
        if (strncmp(to, "postgresql://", 13) != 0 && strncmp(to, "postgres://", 11) != 0) {
                fprintf(stderr, "breachctl: migrate: --to takes a postgresql:// URI\n");
                return -EINVAL;
        }
        if (!strcmp(to, c->cfg->database)) {
                fprintf(stderr, "breachctl: migrate: the register is %s already\n", to);
                return -EINVAL;
        }
        Store *dst = NULL;
        unsigned before = store_failures();
        int r = store_open_secret(to, &secret, &dst);
        if (r < 0) {
                _cleanup_free_ char *why = store_failures() != before ? store_last_failure() : xstrdup(strerror(-r));
                fprintf(stderr, "breachctl: migrate: cannot open %s: %s\n", to, why);
                return r;
        }
        _cleanup_free_ char *why = NULL;
        r = store_copy(c->store, dst, copied, c, &why);
        store_close(dst);
        if (r < 0) {
                fprintf(stderr, "breachctl: migrate: %s; nothing was written to %s\n", why ? why : strerror(-r), to);
                return r;
        }
        fprintf(c->out, "The register %s is copied to %s, every row read back the same.\n"
                        "Stop breachd before the copy, then set database = \"%s\"; in breachd.conf.\n",
                c->cfg->database, to, to);
        return 0;
}
