/* values.h — what the raw text of each form field means
 * (docs/breach-form.md, "Values").
 *
 * Each parser reads what staff actually type ("6th Jan 2022 at 3.39pm",
 * "c. 400", "Yes - health data", "Adult Social Care (ASC)") and either
 * understands it or says so: nothing ambiguous, impossible or in the future
 * is guessed; such a value is kept as text with state FV_UNCLEAR so that the
 * reporter can be asked again.
 *
 * Ownership: FieldValue.canon is owned by the FieldValue (freed by
 * form_record_free()); the parsers free a canon already there before
 * replacing it, so it must be NULL or malloc'd.  Enum and yes/no names
 * returned through ret_canon are static strings. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/config.h"
#include "base/tz.h"
#include "read/form.h"

typedef struct {
        const Tz *tz;               /* configured zone; dates need it */
        int64_t message_time;       /* UTC seconds: the message date, for "today",
                                     * "yesterday", weekday names and the future
                                     * check; <= 0 means "now" */
        const Directorate *directorates;  /* from Config; borrowed */
        size_t n_directorates;
} ValueContext;

/* Interprets every field of r whose text is set, by its FieldType (see
 * form_fields[]): fills state (FV_OK or FV_UNCLEAR), canon, when,
 * date_prec, approx and count.  An answer to the special-category or
 * vulnerable-subjects question that is no yes/no but names such data or
 * people ("health data", "a child") is yes.  FT_TEXT fields become FV_OK with canon
 * NULL.  A directorate field is taken as given (FV_OK, canon = text) when
 * no directorates are configured.  Fields without text are left alone. */
void values_interpret(FormRecord *r, const ValueContext *ctx);

/* Dates.  Fills v->state, canon, when, date_prec and approx (v->text is not
 * read or touched).  Returns 0 when the text was understood (FV_OK) and
 * -EINVAL when not (FV_UNCLEAR, canon NULL, when 0, DATE_NONE).
 *
 *  - Day first, as in the UK: 06/01/2022, 6/1/22, 06.01.2022, 06-01-2022,
 *    6 Jan 2022, 6th of January 2022, Thursday 6th January 2022,
 *    January 6, 2022, 06-Jan-22, 2022-01-06; "6 January" without a year is
 *    in the message's year, or the year before when that would be after the
 *    message date.  Two-digit years are 20yy (19yy if 20yy would be more
 *    than a year after the message).
 *  - An optional time before or after the date: 15:39, 15.39, 15h39,
 *    3.39pm, 3:39 p.m., 3pm, 1539hrs, at/@ 1539, noon, midday, midnight
 *    ("15:39pm" is read as 15:39; "13am" is impossible).  A time followed by
 *    "Z" or "UTC" is UTC; any other time is wall-clock time in ctx->tz,
 *    with DST gaps and overlaps resolved as tz_local_to_utc() documents.
 *    "15.39" is a time when the text also holds a date, else day.month.
 *    An hour alone (1 to 12) after at, about or around, beside a day and
 *    followed by nothing or words about the time ("this morning about 9",
 *    "at 3 this afternoon", not "about 9 pupils"): in the morning as it
 *    is, in the afternoon, evening or night 12 hours on; with no part of
 *    the day, 7 to 12 as written and 1 to 6 in the afternoon unless that is
 *    after the message date (then the morning); 12 beside a part of the
 *    day is left out (noon or midnight?).
 *  - Relative to the message date in ctx->tz: today, this morning/afternoon/
 *    evening, tonight, yesterday, last night, day before yesterday, "N days
 *    ago"; a weekday name ("Monday", "on Tuesday at 2pm") is the most recent
 *    such day on or before the message date, "last Monday" the most recent
 *    one before it, "Thursday last week" that day of the week before.
 *    Approximate (approx = true): "N weeks ago" (N*7 days back), "last
 *    week" and "this week" (their Monday), "(over the) weekend" (the most
 *    recent Saturday), "last month" and "this month" (their 1st).
 *  - A weekday written next to an explicit date is a check: if it is not
 *    that date's weekday the text is unclear.
 *  - approx = true with approx, approximately, about, around, roughly, c.,
 *    ca., circa, ~, est(imated), possibly, probably, sometime, before,
 *    prior to, on or about, may/might/could (have been), w/c, w/b, week
 *    commencing or beginning, a trailing "?", or "unknown" next to a date
 *    ("not known, possibly 6/1") unless it is the time that is unknown
 *    ("06/01/2022, time unknown").
 *  - A month alone ("March 2022", "in March", "mid-March") is approximate,
 *    DATE_DAY: early/beginning/start of/a month alone → the 1st, mid/middle
 *    → the 15th, late/end of → the 21st (the start of its last third); when
 *    that day is after the message date but the month has begun, the
 *    message date.  A month alone next to a full date in that month
 *    ("December 2021, probably 6th December") adds nothing.
 *  - unknown, not known, don't know, n/k, TBC, TBD, not sure: DATE_UNKNOWN,
 *    FV_OK, canon "unknown" (when no date is given as well).
 *  - Date only: DATE_DAY, when = local midnight starting it, canon
 *    "2022-01-06".  Date and time: DATE_MINUTE, when = the instant, canon
 *    "2022-01-06T15:39:00Z" (UTC).  Two different times on one date, or a
 *    span ("between 3 and 4pm", "09:00-10:00"), keep just the date.
 *  - Unclear: an impossible date or time (31/02/2022, 25:00), two different
 *    dates ("06/01 or 07/01", "3-5 January", "reported 7/1, happened 6/1"),
 *    a weekday that is not the written date's, "Jan 22" (the 22nd, or
 *    2022?), a time without a date, a date before 1990 or more than a day
 *    after the message, "tomorrow" or "next Monday", a year alone, anything
 *    with no date in it, text of more than 256 words, numbers and
 *    punctuation marks (a page of prose is not a date). */
int value_parse_date(const char *text, const ValueContext *ctx, FieldValue *v);

/* When the report's own words say the breach was found out: of the
 * sentences of text that say someone found out ("I realised", "we
 * noticed", "was discovered", "found out", "came to light", "became
 * aware", "was reported to me", "spotted") and hold one date, or date and
 * time, as value_parse_date() reads it, the earliest not after the message
 * date.  A finding that is denied ("I hadn't noticed", "nobody noticed")
 * is none; a sentence that also speaks of a date about something else
 * (posted, sent on, dated, born, a meeting, since, until) is left alone,
 * and so is one with two dates or a future one ("next Tuesday").  Fills *v as value_parse_date() does and
 * sets *ret_phrase to the sentence (caller frees); -ENOENT, v FV_ABSENT
 * and *ret_phrase NULL when there is none. */
int value_aware_in_text(const char *text, const ValueContext *ctx, FieldValue *v, char **ret_phrase);

/* Counts.  Fills v->state, canon, count, approx and at_least.  Returns 0 when
 * understood (FV_OK), -EINVAL when not (FV_UNCLEAR, canon NULL, count -1).
 * count is the lower bound and canon its decimal string, or count -1 and
 * canon "unknown" for TBC/unknown/not known/not sure.
 *  - 1, 10,000, 1.5k, 2 million, number words (one .. nineteen, twenty ..
 *    ninety, twenty-five, a/one/two hundred, a thousand, a dozen);
 *    none/nil/zero → 0.
 *  - approx = true for about 30, approx. 30, c. 400, c400, circa 400, ~50,
 *    roughly, around, estimated, nearly, almost; 10,000+, 100 plus, over
 *    100, more than 100, at least 5, in excess of 100 (lower bound = the
 *    number given); ranges 50-60, 50 to 60, between 50 and 60 (lower bound
 *    50).  Lower bounds (the "+", plus, over, more than, at least, in
 *    excess of, or more, minimum, ranges, and the quantity words below)
 *    also set at_least = true: "about 30" is approx only, "10,000+" both.
 *  - Upper bounds (up to 20, under 20, less than 20, fewer than 20, no more
 *    than 20) keep the number given with approx = true: for assessing the
 *    risk a DPO plans for the stated maximum, and 1 would hide the scale
 *    (said "about 20"; the words as given are kept beside it).
 *  - several, a few, a couple, multiple, some → 2 (the least they can mean),
 *    at_least; dozens → 24, hundreds → 100, thousands → 1000, at_least.
 *  - A number inside a sentence ("3 pupils and their parents"): the first
 *    number that is not part of a date, time or label such as "Year 6";
 *    approx = true when more than one word follows it ("3 pupils" is exact,
 *    so are "5 (five)" and "1 x child") or another number does.
 *  - Anything else (no number, a number above 10^12) is unclear. */
int value_parse_count(const char *text, FieldValue *v);

/* How a count is said to people, the same in every mail, `breachctl show`
 * and the CSV export: "30", "about 30" (approx), "at least 10,000"
 * (at_least), digits grouped by commas.  NULL when there is no number
 * (TBC, unknown).  Caller frees. */
char *value_count_words(const FieldValue *v);

/* A count in a sentence that is not an answer to "how many?" ("3 pupils
 * and their parents" in "Which individuals are affected?"): as
 * value_parse_count(), but only a number written as digits or words
 * counts; "several", "unknown" and text without a number give -EINVAL. */
int value_count_in_text(const char *text, FieldValue *v);

/* yes/no/unknown.  On success *ret_canon is "yes", "no" or "unknown" (static)
 * and 0 is returned; otherwise -EINVAL and *ret_canon is untouched.
 * yes, y, yeah, yep, true, correct → yes; no, n, nope, false, none, nil,
 * N/A, not applicable → no (a "does it include special category data?
 * N/A" means it does not); unknown, not sure, unsure, don't know, not
 * known, no idea, TBC, maybe, possibly, ? → unknown; "I think so" is yes,
 * "I don't think so" and "not that I know of" no.  The first word decides
 * ("Yes - health data" is yes); an untouched "Yes/No" or "Y/N" is not an
 * answer. */
int value_parse_yesno(const char *text, const char **ret_canon);

/* The answer to a question asked the other way round (FieldDef.negated,
 * e.g. "Has the breach been contained?" for "Is the incident on-going?"),
 * as the field's text: the field's own answer first, then the question
 * and the reporter's words, so that every reader of the text (the
 * register, mail, `breachctl show`, exports) sees both.
 *   "Yes" or "Yes, the email was recalled" -> No (asked "Q?"): Yes, ...
 *   "No", "Not yet"                        -> Yes (asked "Q?"): No
 *   "Partly", "Yes, mostly", "Not fully"   -> Yes, in part (asked "Q?"): ...
 *     (a breach contained in part is still on-going in part)
 *   "Unknown", "Not sure", "TBC"           -> the text unchanged
 *   anything else (no yes/no)              -> (asked "Q?"): text, unclear
 * Ticked boxes ("☒ Yes ☐ No") are read as the options ticked ("Yes").
 * asked is the question as the reporter saw it.  Caller frees. */
char *values_negated_answer(const char *asked, const char *text);

/* Finds the configured directorate text names: by name ignoring case,
 * punctuation, apostrophes ("Children's" = "Childrens"), "&" vs "and",
 * extra spaces and a trailing "directorate"/"department"; by a configured
 * abbreviation, or the initials of a name of two or more words; by a
 * bracketed part ("Adult Social Care (ASC)"); by a unique prefix of a name
 * ("Adult Social"), or a name or abbreviation the text starts with ("ASC -
 * safeguarding team").  On success *ret_name points at d[i].name and 0 is
 * returned; -ENOENT when nothing (or more than one directorate) matches,
 * including when n is 0. */
int value_match_directorate(const char *text, const Directorate *d, size_t n, const char **ret_name);

/* Enum A (FT_BREACH_TYPE) and enum B (FT_MEDIUM): the canonical names of
 * breach-form.md, NULL-terminated. */
extern const char *const breach_type_names[];
extern const char *const medium_names[];

/* Matches text to a name of enum A or B: case, punctuation, "&"/"and",
 * "/"/"or", singular/plural, a prefix of a name ("Technical security
 * failure"), a text starting with a name ("Other - see notes"), and a list
 * of synonyms and key-word rules ("hacking", "sent to wrong recipient",
 * "stolen laptop"; "e-mail", "phone", "post").  For FT_MEDIUM a text naming
 * two or more different media ("email and paper") is "Multiple".  On
 * success *ret_canon points at the static name; -ENOENT when nothing
 * matches, -EINVAL for another type. */
int value_match_enum(const char *text, FieldType type, const char **ret_canon);

/* The canonical category names of breach-form.md, NULL-terminated. */
extern const char *const data_category_names[];
extern const char *const subject_category_names[];

/* Splits text on commas, semicolons, line breaks, bullets, "and", "&", "/",
 * "or" and matches each item forgivingly (synonyms: "names and addresses"
 * → basic personal identifiers, "medical" → health, "pupils" → pupils or
 * students).  An item matching nothing adds "other".  On success *ret_canon
 * is a new string (caller frees): the matched names in canonical order,
 * without repeats, separated by ", ".  Returns -ENOENT when no item matched
 * (*ret_canon untouched), -EINVAL for another type. */
int value_match_categories(const char *text, FieldType type, char **ret_canon);
