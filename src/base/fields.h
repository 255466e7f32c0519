/* fields.h — the fields of the breach report form: their stable keys,
 * default labels, aliases and types (docs/breach-form.md §1).
 *
 * Field keys are the names used everywhere: register columns, JSON keys,
 * template placeholders, configuration.  The table is data every stage
 * reads, so it stands at the bottom: the configuration checks label keys
 * against it, the readers match labels with it, the register names its
 * columns after it. */
#pragma once

#include <stdbool.h>

typedef enum {
        F_REPORTER_NAME,
        F_REPORTER_CONTACT,
        F_DIRECTORATE,
        F_TEAM,
        F_NATURE,
        F_BREACH_TYPE,
        F_MEDIUM,
        F_OCCURRED_AT,
        F_AWARE_AT,
        F_HOW_OCCURRED,
        F_INDIVIDUALS_AFFECTED,
        F_INDIVIDUALS_COUNT,
        F_RECORDS_COUNT,
        F_DATA_INVOLVED,
        F_SPECIAL_CATEGORY,
        F_VULNERABLE_SUBJECTS,
        F_DATA_CATEGORIES,
        F_SUBJECT_CATEGORIES,
        F_CYBER_INCIDENT,
        F_HOW_DISCOVERED,
        F_RECIPIENTS,
        F_ONGOING,
        F_RECOVERED,
        F_LIKELY_CONSEQUENCES,
        F_MEASURES_TAKEN,
        F_MITIGATION,
        F_DELAY_REASON,
        F_SIGNED,
        FIELD__MAX,
} FieldId;

typedef enum {
        FT_TEXT,
        FT_DIRECTORATE,  /* one of the configured directorates */
        FT_BREACH_TYPE,  /* enum A */
        FT_MEDIUM,       /* enum B */
        FT_DATE,         /* date, optional time */
        FT_COUNT,
        FT_YESNO,
        FT_DATA_CATEGORIES,
        FT_SUBJECT_CATEGORIES,
} FieldType;

typedef struct {
        FieldId id;
        const char *key;
        const char *label;             /* default label, as shown in mail */
        const char *const *aliases;    /* NULL-terminated */
        FieldType type;
        bool required;
        /* Wordings of a yes/no field that ask the opposite question, NULL-
         * terminated or NULL: "Has the breach been contained? Yes" says the
         * incident is not on-going.  The readers turn such an answer round
         * and keep the reporter's words (values_negated_answer()). */
        const char *const *negated;
} FieldDef;

extern const FieldDef form_fields[FIELD__MAX];
const FieldDef *form_field_by_key(const char *key);
