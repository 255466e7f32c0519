/* test_mailbox_key — the register key of a watched mailbox
 * (ingest_mailbox_key(), messages.mailbox): a single organisation's and the
 * shared mailbox keep the bare folder name, as every register before
 * organisations has it (nothing is read as new after an upgrade); an
 * organisation's own mailbox is KEY/FOLDER, since two accounts both have an
 * INBOX. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "base/config.h"
#include "case/ingest.h"

static char tmpdir[] = "/tmp/test_mailbox_key.XXXXXX";

#define MAILBOX "mailbox = { host = \"imap.example.org\"; user = \"u\"; folder = \"Reports\"; " \
                "password_file = \"/nonexistent/imap.secret\"; };\n"
#define SMTP "smtp = { host = \"smtp.example.org\"; from = \"Breach <breach@example.org>\"; };\n"
#define DPO "dpo = \"dpo@example.org\";\n"

static void write_file(const char *path, const char *text)
{
        FILE *f = fopen(path, "w");
        if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
                perror(path);
                exit(1);
        }
}

static Config *load(const char *path)
{
        Config *c = NULL;
        char *errors = NULL;
        if (config_load(path, &c, &errors) < 0) {
                printf("# %s\n", errors ? errors : "?");
                free(errors);
                return NULL;
        }
        free(errors);
        return c;
}

int main(void)
{
        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        char *single = xasprintf("%s/single.conf", tmpdir);
        char *shared = xasprintf("%s/shared.conf", tmpdir);
        char *orgs = xasprintf("%s/orgs", tmpdir);
        char *a = xasprintf("%s/orgs/ashgrove.conf", tmpdir);
        char *b = xasprintf("%s/orgs/birch.conf", tmpdir);
        mkdir(orgs, 0755);

        write_file(single, MAILBOX SMTP DPO);
        Config *c = load(single);
        tap_ok(c != NULL, "a single organisation's config loads");
        if (c) {
                char *k = ingest_mailbox_key(c);
                TAP_STR_EQ(k, "Reports", "a single organisation's mailbox keys by the bare folder");
                free(k);
        }
        config_free(c);

        write_file(a, "addresses = [ \"breach+ashgrove@example.org\" ];\n");
        write_file(b, "mailbox = { host = \"imap.birch.example\"; user = \"breach\"; "
                      "password_file = \"/nonexistent/birch.secret\"; };\n");
        write_file(shared, MAILBOX SMTP DPO "organisations = \"orgs\";\n");
        c = load(shared);
        tap_ok(c && c->n_orgs == 2, "a shared mailbox and two organisations load");
        if (c && c->n_orgs == 2) {
                char *k = ingest_mailbox_key(c);
                TAP_STR_EQ(k, "Reports", "the shared mailbox keys by the bare folder");
                free(k);
                k = ingest_mailbox_key(c->orgs[0]);
                TAP_STR_EQ(k, "Reports", "an organisation on the shared mailbox: the shared mailbox's key");
                free(k);
                k = ingest_mailbox_key(c->orgs[1]);
                TAP_STR_EQ(k, "birch/INBOX", "an organisation's own mailbox: KEY/FOLDER");
                free(k);
        }
        config_free(c);

        unlink(a);
        unlink(b);
        unlink(single);
        unlink(shared);
        rmdir(orgs);
        rmdir(tmpdir);
        free(a);
        free(b);
        free(single);
        free(shared);
        free(orgs);
        return tap_done();
}
