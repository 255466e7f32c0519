/* authres.h — the value of one Authentication-Results: header field
 * (RFC 8601) read into its authserv-id and the results it reports.
 *
 * The reader is strict where it matters to trust and forgiving where real
 * servers are: a header without an authserv-id (Microsoft's), a method
 * without "=result", a property without a value, or text left over is
 * malformed and counts as nothing; comments (nested, with quoted pairs)
 * are skipped anywhere white space may stand; a property's value runs to
 * the next white space, comment or ';' (header.b=abc/+= is common).
 * Names, methods, results and property names are lower-cased; the
 * authserv-id too (it is a host name in practice, compared without case).
 * Nothing here decides whom to believe: case/sender_trust.h does. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct {
        char *ptype;       /* "smtp", "header", "body", "policy" ... */
        char *property;    /* "mailfrom", "from", "d" ... */
        char *value;       /* as written, quotes removed */
} AuthresProp;

typedef struct {
        char *method;      /* "dkim", "spf", "dmarc" ... */
        unsigned method_version; /* 0 when not given */
        char *result;      /* "pass", "fail", "none" ... */
        char *reason;      /* reason=..., NULL when none */
        AuthresProp *props;
        size_t n_props;
} AuthresResult;

typedef struct {
        char *authserv_id;
        unsigned version;  /* 1 when not given */
        bool none;         /* "; none": no method was applied */
        AuthresResult *results;
        size_t n_results;
} Authres;

/* Reads value (the field body, folding allowed) into *ret.  Returns 0, or
 * -EBADMSG when it is not a well-formed Authentication-Results value; *ret
 * is then empty (authres_free() is still safe). */
int authres_parse(const char *value, Authres *ret);
void authres_free(Authres *a);

/* The first result of method, or NULL. */
const AuthresResult *authres_find(const Authres *a, const char *method);
/* The value of ptype.property in r ("header", "from"), or NULL. */
const char *authres_prop(const AuthresResult *r, const char *ptype, const char *property);
