/* fuzz_docx.c — the libFuzzer harness over .docx reading (src/read/docx.c):
 *
 *   an input that starts like a zip ("PK\3\4") is a whole .docx:
 *   docx_extract (libarchive finds word/document.xml, inflates it within
 *   DOCX_MAX_DOCUMENT, then as below);
 *   any other input is word/document.xml itself: docx_read_xml (libxml2
 *   without entities, network or DOCTYPE, then the walk: tables, rows,
 *   cells, nested tables, content controls and their placeholders,
 *   deletions, field codes, text boxes' fallbacks, the row rule of
 *   add_form_row, normalise_lines),
 *
 * and what the form reader makes of the result (form_read_rows,
 * form_read_text with the default labels), as formread.c reads an
 * attachment.  The XML alone is where nearly all of the code is: a mutated
 * zip mostly fails its checksum. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "read/docx.h"
#include "read/form.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FormLabels *fzx_labels;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        log_set_level(LOG_ERR);
        fzx_labels = form_labels_new();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > (1u << 20))
                return 0;
        FormSource src = {0};
        int r = size >= 4 && !memcmp(data, "PK\3\4", 4) ? docx_extract(data, size, &src)
                                                         : docx_read_xml((const char *)data, size, &src);
        if (r < 0) {
                if (r != -EBADMSG && r != -EFBIG)
                        abort();
                return 0;
        }
        FormRecord rec;
        form_record_init(&rec);
        if (src.n_rows)
                form_read_rows(fzx_labels, src.rows, src.n_rows, &rec);
        if (src.text)
                form_read_text(fzx_labels, src.text, &rec);
        form_record_free(&rec);
        form_source_free(&src);
        return 0;
}
