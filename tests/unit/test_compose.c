/* test_compose.c — the quick writer of compose.c against GMime's object
 * model: for every mail the quick writer takes, the bytes must be exactly
 * the ones GMime writes (compose.h, compose_message_as).
 *
 * The mails are generated (deterministically, from a fixed seed) from
 * pools of awkward pieces: names that need quoting or RFC 2047, internation-
 * alised domains, subjects with encoded-word look-alikes and words too long
 * to fold, bodies in ASCII, Latin-1-able and other UTF-8 text, lines at
 * and past the 78 and 998 limits, "From " lines, control characters. */
#include <glib.h>

#include "base/mimelib.h"
#include "mail/compose.h"
#include "read/message.h"
#include "tap.h"

static uint64_t rs = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
        rs ^= rs << 13;
        rs ^= rs >> 7;
        rs ^= rs << 17;
        return (unsigned)(rs % n);
}


/* Each pool starts with its plain pieces: a mail made of those only is
 * one the quick writer takes. */
#define PLAIN_ADDRS 6
static const char *const addrs[] = {
        "Data Breach Reporting <breach@example.test>", "breach@example.test", "Breach Team <Breach@Example.TEST>",
        "dpo@example.test", "siro@example.test", "a.b+c@d-e.f",
        "\"Smith, J\" <x@y.org>", "Jos\xc3\xa9 P\xc3\xa9rez <j@x.org>", "o'brien@x.org", "Name <a@b>", "A  B <a@b.c>", "a..b@c.d",
        "Very Long Display Name Of Somebody Important <very.long.address.of.somebody@a-long-domain-name.example.org>",
        "UPPER@CASE.ORG", "Mr. X <x@y.z>", "<x@y.z>", "a_b@c.d", "Name<a@b.c>", "Anne 2 <a2@b.c>",
        "info@xn--bcher-kva.example", "a@b.c (comment)", "J\xc3\xb6rg <jorg@x.de>",
};
#define PLAIN_WORDS 10
static const char *const words[] = {
        "Breach", "report", "[DB2025001]", "OVERDUE:", "reason.", "with", "an", "employee", "x", "Re:",
        "caf\xc3\xa9", "=?utf-8?q?x?=", "a=?b", "", "  ",
        "Supercalifragilisticexpialidocious-very-long-word-without-spaces-that-goes-past-the-fold-limit-of-78",
        "\xe2\x82\xac" "500", "\xc2\xa3" "20", "(paren)", "\"quoted\"", "semi;colon", "<angle>",
        "\xf0\x9f\x98\x80", "Fwd:", "=", "?", "_", "a:b",
};
static const char *const ids[] = {
        "AM6PR01MBD5EA6D8C0000000@eurprd01.prod.outlook.com", "CAH+x=Y$z@mail.gmail.com", "a@b", "a b@c",
        "x@y@z", "noat", "1234.5678.very.long.message.id.that.goes.on.and.on.and.on.forever@some.host.example.org",
        "a(b)@c", "id@[1.2.3.4]", "breachd.1736179200.abcdefghijklmnopqrstuvwx@example.test",
};
#define PLAIN_LINES 8
static const char *const lines[] = {
        "Dear Jane,", "", "  Name of person making the report: Imran Kowalski", "  indented: value",
        "caf\xc3\xa9 \xc2\xa3" "5 plain enough", "\xe2\x82\xac and \xf0\x9f\x98\x80", ".", "Kind regards",
        "From the desk", "tab\there", "From: header like", "line with trailing space ", "ctl\x01x",
};

/* One of the first plain pieces of a pool, or, unless plain, any. */
static bool plain;
#define PIECE(a, n_plain) (a[rnd(plain ? (n_plain) : ARRAY_SIZE(a))])

static char *gen_text(unsigned max_words)
{
        Buf b = {0};
        buf_puts(&b, "");
        unsigned n = rnd(max_words + 1);
        for (unsigned i = 0; i < n; i++) {
                if (i && rnd(4))
                        buf_putc(&b, ' ');
                buf_puts(&b, PIECE(words, PLAIN_WORDS));
        }
        return buf_steal(&b);
}

static char *gen_body(void)
{
        Buf b = {0};
        buf_puts(&b, "");
        unsigned n = rnd(40);
        for (unsigned i = 0; i < n; i++) {
                unsigned k = rnd(plain ? PLAIN_LINES + 1 : ARRAY_SIZE(lines) + 1);
                if (k < (plain ? PLAIN_LINES : ARRAY_SIZE(lines))) {
                        buf_puts(&b, lines[k]);
                } else {
                        /* a long line: past the fold, or at RFC 5322's 998 */
                        size_t len = rnd(3) || plain ? 60 + rnd(40) : 990 + rnd(15);
                        for (size_t j = 0; j < len; j++)
                                buf_putc(&b, 'x');
                }
                if (i + 1 < n || rnd(3))
                        buf_putc(&b, '\n');
        }
        return buf_steal(&b);
}

static char *gen_address(void)
{
        if (rnd(2))
                return xstrdup(PIECE(addrs, PLAIN_ADDRS));
        static const char *const names[] = {"", "Ann", "Ann Lee", "Dr Ann Lee Smith", "Ann  Lee", "Ann.Lee",
                                            "J\xc3\xb6rg"};
        char local[48];
        unsigned len = 1 + rnd(40);
        for (unsigned k = 0; k < len; k++)
                local[k] = "abcxyz019._+-"[rnd(plain ? 9 : 13)];
        local[len] = 0;
        const char *name = PIECE(names, 4);
        return *name ? xasprintf("%s <%s@example.test>", name, local) : xasprintf("%s@example.test", local);
}

int main(void)
{
        mimelib_init();
        unsigned n = 8000, direct = 0, same = 0, both_refused = 0;
        for (unsigned it = 0; it < n; it++) {
                plain = rnd(2);
                StrList to = {0}, refs = {0};
                for (unsigned i = 0, k = 1 + rnd(4); i < k; i++)
                        strlist_take(&to, gen_address());
                for (unsigned i = 0, k = rnd(4) ? 0 : rnd(6); i < k; i++)
                        strlist_add(&refs, PIECE(ids, 2));
                _cleanup_free_ char *subject = gen_text(rnd(2) ? 8 : 25), *body = gen_body();
                OutMessage o = {
                        .from = rnd(4) ? addrs[0] : PIECE(addrs, PLAIN_ADDRS),
                        .to = &to,
                        .reply_to = rnd(2) ? NULL : "breach+DB2025001.tokentokentokentokentoke@example.test",
                        .subject = subject,
                        .body = body,
                        .in_reply_to = rnd(2) ? NULL : PIECE(ids, 2),
                        .references = rnd(3) ? &refs : NULL,
                        .loop_ref = "DB2025001",
                        .auto_submitted = rnd(2) ? "auto-replied" : "auto-generated",
                };
                int64_t date = 1700000000 + rnd(200000000);
                const char *mid = "breachd.1736179200.abcdefghijklmnopqrstuvwx@example.test";
                Buf a = {0}, g = {0};
                int ra = compose_message_as(&o, COMPOSE_DIRECT, date, mid, &a);
                int rg = compose_message_as(&o, COMPOSE_GMIME, date, mid, &g);
                if (ra == 0) {
                        direct++;
                        if (rg == 0 && a.len == g.len && memcmp(a.s, g.s, a.len) == 0)
                                same++;
                        else if (direct - same <= 3)
                                printf("# differs from GMime:\n%s\n# --- GMime:\n%s\n", a.s ? a.s : "",
                                       g.s ? g.s : "(refused)");
                } else if (rg < 0) {
                        both_refused++;
                }
                buf_free(&a);
                buf_free(&g);
                strlist_free(&to);
                strlist_free(&refs);
        }
        tap_ok(direct > n / 5, "the quick writer takes a good share of %u awkward mails (%u)", n, direct);
        tap_ok(direct < n, "and leaves some to GMime (%u)", n - direct);
        TAP_INT_EQ((long long)same, (long long)direct, "every mail it writes is byte for byte GMime's");

        /* The mail breachd sends most: an acknowledgement to a member of
         * staff, plain names, a UTF-8 body. */
        StrList to = {0}, refs = {0};
        strlist_add(&to, "Jane Smith <jane.smith@example.test>");
        strlist_add(&refs, "AM6PR01MB1234@eurprd01.prod.outlook.com");
        OutMessage ack = {
                .from = "Data Breach Reporting <breach@example.test>",
                .to = &to,
                .subject = "[DB2025001] Breach report received: laptop stolen",
                .body = "Dear Jane,\n\nThank you \xe2\x80\x94 we have your report (\xc2\xa3" "0 lost).\n",
                .in_reply_to = "AM6PR01MB1234@eurprd01.prod.outlook.com",
                .references = &refs,
                .loop_ref = "DB2025001",
                .auto_submitted = "auto-replied",
        };
        Buf a = {0}, g = {0};
        TAP_INT_EQ(compose_message_as(&ack, COMPOSE_DIRECT, 1736179200, "x.1@example.test", &a), 0,
                   "an acknowledgement is written by the quick writer");
        TAP_INT_EQ(compose_message_as(&ack, COMPOSE_GMIME, 1736179200, "x.1@example.test", &g), 0,
                   "and by GMime");
        tap_ok(a.len == g.len && memcmp(a.s, g.s, a.len) == 0, "the same bytes");
        tap_ok(strstr(a.s, "Content-Transfer-Encoding: quoted-printable") != NULL,
               "its UTF-8 body is quoted-printable");
        buf_free(&a);
        buf_free(&g);
        strlist_free(&to);
        strlist_free(&refs);
        return tap_done();
}
