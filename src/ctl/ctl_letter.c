/* ctl_letter.c — see ctl_letter.h. */
#include "ctl/ctl_letter.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "case/letter.h"
#include "ctl/output.h"

static const char usage[] = "subject-letter REF [--html | --format text|html] [-o FILE] [--draft]";

/* Writes the letter to path (created 0600: it is about a case), or to the
 * standard output: text through the terminal escape (output.h), HTML as
 * it is (every value in it is escaped already). */
static int write_letter(Ctl *c, const Letter *l, LetterFormat fmt, const char *path)
{
        FILE *out = fmt == LETTER_TEXT ? c->out : c->raw, *file = NULL, *escaped = NULL;
        if (path) {
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (fd < 0 || !(file = fdopen(fd, "w"))) {
                        int e = errno;
                        if (fd >= 0)
                                close(fd);
                        fprintf(stderr, "breachctl: %s: %s\n", path, strerror(e));
                        return -e;
                }
                out = fmt == LETTER_TEXT && (escaped = output_text_open(file)) ? escaped : file;
        }
        int r = 0;
        if (fmt == LETTER_TEXT)
                fprintf(out, "Subject: %s\n\n", l->subject);
        fputs(l->body, out);
        if (fflush(out) != 0 || ferror(out))
                r = errno ? -errno : -EIO;
        if (escaped && fclose(escaped) != 0 && r >= 0)
                r = -errno;
        if (file && fclose(file) != 0 && r >= 0)
                r = -errno;
        if (r < 0)
                fprintf(stderr, "breachctl: subject-letter: %s: %s\n", path ? path : "output", strerror(-r));
        return r;
}

int ctl_subject_letter(Ctl *c, int argc, char **argv)
{
        static const struct option opts[] = {
                {"html", no_argument, NULL, 'H'},           {"format", required_argument, NULL, 'F'},
                {"output", required_argument, NULL, 'o'},   {"draft", no_argument, NULL, 'd'},
                {NULL, 0, NULL, 0},
        };
        LetterFormat fmt = LETTER_TEXT;
        const char *path = NULL;
        bool draft = false;
        int ch;
        optind = 1;
        while ((ch = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
                switch (ch) {
                case 'H': fmt = LETTER_HTML; break;
                case 'o': path = optarg; break;
                case 'd': draft = true; break;
                case 'F':
                        if (!strcmp(optarg, "text") || !strcmp(optarg, "html")) {
                                fmt = !strcmp(optarg, "html") ? LETTER_HTML : LETTER_TEXT;
                                break;
                        }
                        fprintf(stderr, "breachctl: unknown letter format '%s' (text or html)\n", optarg);
                        return -EINVAL;
                default:
                        fprintf(stderr, "usage: breachctl %s\n", usage);
                        return -EINVAL;
                }
        }
        if (argc - optind != 1) {
                fprintf(stderr, "usage: breachctl %s\n", usage);
                return -EINVAL;
        }
        Letter l = {0};
        _cleanup_free_ char *why = NULL;
        int r = letter_make(c->store, c->cfg, c->tz, argv[optind], fmt, draft, now_utc(), &l, &why);
        if (r < 0) {
                fprintf(stderr, "breachctl: %s\n", why ? why : strerror(-r));
                return r;
        }
        r = write_letter(c, &l, fmt, path);
        if (r >= 0) {
                /* To the DPO, not into the letter. */
                if (!l.decided)
                        fprintf(stderr, "breachctl: a draft only: the decision to tell the people affected is "
                                        "not recorded\n");
                fprintf(stderr, "breachctl: check the letter before it is sent: what happened, the likely "
                                "consequences and the measures are as the register holds them, and must name "
                                "nobody else\n");
                if (l.gaps.n)
                        fprintf(stderr, "breachctl: %zu gap%s to complete ([TO COMPLETE: ...]):\n", l.gaps.n,
                                l.gaps.n == 1 ? "" : "s");
                for (size_t i = 0; i < l.gaps.n; i++)
                        fprintf(stderr, "  - %s\n", l.gaps.v[i]);
        }
        letter_free(&l);
        return r;
}
