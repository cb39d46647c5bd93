/*
** output.h: payout tables as CSV, JSON or an aligned table for people, and
** files that are written whole or not at all.
**
** Amounts are printed with exactly the decimals of the plan's rounding unit.
** tl_out_atomic writes through a temporary file in the target's directory and
** renames it over the target only when everything was written and flushed, so
** a failed or interrupted run never leaves a partial or half-updated file.
** A symbolic link keeps pointing at the file it names, which is the one
** replaced.  A target that is not a regular file (a device such as
** /dev/null, a pipe, a socket) cannot be replaced and is written in place.
*/
#ifndef TL_RUNTIME_OUTPUT_H
#define TL_RUNTIME_OUTPUT_H

#include <stdio.h>

#include "runtime/engine.h"

typedef enum tl_out_format { TL_OUT_CSV, TL_OUT_JSON, TL_OUT_TABLE } tl_out_format;

/* Parse "csv", "json", "table"; false if unknown. */
bool tl_out_parse_format(const char *s, tl_out_format *f);
/* Write the rows; returns 0, or -1 when the stream reported an error. */
int tl_out_write(const tl_program *p, const tl_ledger *l, const tl_result *r, tl_out_format f,
                 FILE *out);
/* The same bytes; with threads > 1 a big CSV table is written by a helper
** thread while the next rows are formatted. */
int tl_out_write_threads(const tl_program *p, const tl_ledger *l, const tl_result *r,
                         tl_out_format f, FILE *out, int threads);

typedef int (*tl_out_writer)(FILE *f, void *ctx);
/* Write path atomically with writer; on failure returns -1 and sets *why
** (a static or strerror string) and leaves any existing file untouched. */
int tl_out_atomic(const char *path, tl_out_writer writer, void *ctx, const char **why);

#endif
