/* test_rfc2047.c — the RFC 2047 decoder of header text (read/rfc2047.c):
 * the shapes mutt, s-nail, Outlook and Gmail write, the GMime 3.2.13 bug it
 * works around (adjacent padded B words), and malformed words left as
 * text. */
#include <stdlib.h>

#include "read/rfc2047.h"
#include "tap.h"

static const struct {
        const char *in, *want, *what;
} cases[] = {
        {"plain text", "plain text", "text without encoded words is unchanged"},
        {"=?UTF-8?B?U2nDom4=?= =?UTF-8?B?IMOTIEJyaWFpbg==?=", "Siân Ó Briain",
         "two padded B words (s-nail): nothing lost (gmime#133)"},
        {"=?UTF-8?B?TGFwdG9wIHN0b2xlbg==?=\n =?UTF-8?B?IGZyb20gY2FyIHdpdGggcHVwaWwgZGF0YQ==?=",
         "Laptop stolen from car with pupil data", "a folded B subject is joined without the fold"},
        {"=?utf-8?Q?Si=C3=A2n_=C3=93?= Briain", "Siân Ó Briain", "a Q word then plain text keeps the space (mutt)"},
        {"=?utf-8?Q?Laptop_stolen_from_car_with_pupil_data_?=\r\n =?utf-8?Q?=E2=80=93_Si=C3=A2n?=",
         "Laptop stolen from car with pupil data – Siân", "folded Q words with a trailing space (Outlook)"},
        {"=?UTF-8?B?U2nD?= =?UTF-8?B?om4=?=", "Siân", "a UTF-8 character split across two B words is joined"},
        {"=?utf-8?q?Si=C3?= =?utf-8?q?=A2n?=", "Siân", "and across two Q words"},
        {"=?iso-8859-1?Q?Siobh=E1n?= =?windows-1252?Q?_=93N=ED=94?=", "Siobhán “Ní”",
         "mixed charsets, each converted on its own"},
        {"=?iso-8859-15?Q?=A4?=", "€", "a charset iconv knows is converted (ISO-8859-15 euro)"},
        {"=?x-unknown?Q?caf=E9?=", "café", "an unknown charset is read forgivingly"},
        {"=?utf-8*en?Q?hello?=", "hello", "a language suffix is ignored"},
        {"Re: =?utf-8?Q?caf=C3=A9?= now", "Re: café now", "text around a word keeps its spaces"},
        {"=?utf-8?Q?a?=   =?utf-8?Q?b?=", "ab", "white space between words is dropped"},
        {"=?utf-8?Q?a?= x =?utf-8?Q?b?=", "a x b", "other text between words is kept"},
        {"=?utf-8?Q?a?= ", "a ", "trailing white space is kept"},
        {"=?utf-8?B?!!!!?=", "=?utf-8?B?!!!!?=", "a B word with characters outside base64 stays as text"},
        {"=?utf-8?B?QUJD===?=", "=?utf-8?B?QUJD===?=", "too much padding stays as text"},
        {"=?utf-8?B?Q?=", "=?utf-8?B?Q?=", "a single base64 character stays as text"},
        {"=?utf-8?B?QUI?=", "AB", "missing padding is forgiven"},
        {"=?utf-8?X?abc?=", "=?utf-8?X?abc?=", "an unknown encoding stays as text"},
        {"=?utf-8?Q?no end", "=?utf-8?Q?no end", "an unterminated word stays as text"},
        {"=??Q?x?=", "=??Q?x?=", "an empty charset stays as text"},
        {"=?utf-8?Q?a=ZZb=4?=", "a=ZZb=4", "a stray = in Q is kept"},
        {"=?utf-8?Q?has space?=", "=?utf-8?Q?has space?=", "a word with a space in it is not a word"},
        {"Caf\xc3\xa9 =?utf-8?Q?ok?=", "Café ok", "raw UTF-8 outside words is kept"},
        {"Caf\xe9", "Café", "raw Latin-1 outside words is read as windows-1252"},
        {"=?utf-8?B?AA==?=x", " x", "a NUL byte is not let through"},
        {"", "", "empty text"},
};

int main(void)
{
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *got = rfc2047_decode(cases[i].in);
                TAP_STR_EQ(got, cases[i].want, "%s", cases[i].what);
                free(got);
        }
        tap_ok(rfc2047_decode(NULL) == NULL, "NULL gives NULL");
        return tap_done();
}
