/* sasl.h — the client responses of the bearer-token SASL mechanisms, as
 * IMAP AUTHENTICATE (imap.c) and SMTP AUTH (smtp.c) both send them: Google's
 * and Microsoft's XOAUTH2, and OAUTHBEARER (RFC 7628).
 *
 * Each returns a new string the caller owns; it holds the token, so the
 * caller wipes it (explicit_bzero) before freeing it.  The response is the
 * raw SASL message: base64 is the protocol's business. */
#pragma once

/* "user=<user>^Aauth=Bearer <token>^A^A". */
char *sasl_xoauth2(const char *user, const char *token);

/* "n,a=<user>,^Aauth=Bearer <token>^A^A", the authorization identity
 * escaped as the GS2 header requires ("," as "=2C", "=" as "=3D"). */
char *sasl_oauthbearer(const char *user, const char *token);
