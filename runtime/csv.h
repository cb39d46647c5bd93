/*
** csv.h: an RFC 4180 reader over a buffer held in memory.
**
** The reader never copies unquoted fields: a field points into the caller's
** buffer, which must outlive the rows read from it.  Quoted fields that hold
** doubled quotes are unescaped into the reader's scratch space, valid until the
** next call to tl_csv_next.  Accepted: a UTF-8 byte-order mark at the start,
** LF and CRLF line ends (also mixed), a last line with or without a line end,
** quoted fields holding commas, quotes ("") and line ends.  Blank lines are
** skipped.  Every field carries the 1-based line and column where it starts,
** so every later error can name its position.
*/
#ifndef TL_RUNTIME_CSV_H
#define TL_RUNTIME_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tl_csv_field {
  const char *p;
  uint32_t len;
  uint32_t line, col;     /* where the field starts (its quote, if quoted) */
  bool quoted;
} tl_csv_field;

typedef struct tl_csv_row {
  const char *start;      /* first byte of the row */
  uint32_t line;          /* line where the row starts */
  uint32_t n;             /* number of fields */
  tl_csv_field *f;        /* owned by the reader; valid until the next call */
  bool quoted;            /* some field was quoted */
  bool unescaped;         /* some field lives in the reader's scratch space */
} tl_csv_row;

typedef struct tl_csv tl_csv;

typedef enum tl_csv_status { TL_CSV_ROW = 1, TL_CSV_END = 0, TL_CSV_ERROR = -1 } tl_csv_status;

tl_csv *tl_csv_new(const char *data, size_t len);
/* A reader of the rows of [data, data + len), a part of a bigger file that
** starts at a line start numbered line (no byte-order mark is looked for). */
tl_csv *tl_csv_new_at(const char *data, size_t len, uint32_t line);
void tl_csv_free(tl_csv *c);
/* Read the next row.  On TL_CSV_ERROR, tl_csv_error gives the message and
** position; the reader then resynchronises at the next line so callers can
** report several errors in one pass. */
tl_csv_status tl_csv_next(tl_csv *c, tl_csv_row *row);
const char *tl_csv_error(const tl_csv *c, uint32_t *line, uint32_t *col);
/* Where the reader is: the next byte it reads, on line *line. */
const char *tl_csv_at(const tl_csv *c, uint32_t *line);
/* Go on at p, the start of line number line, inside the reader's buffer:
** for a caller that had the rows in between read by another reader. */
void tl_csv_seek(tl_csv *c, const char *p, uint32_t line);

/* A field of a plain row: its bytes, in the caller's buffer. */
typedef struct tl_csv_span {
  const char *p;
  uint32_t len;
} tl_csv_span;

/* The row at p, a line start before end, when it is plain: exactly n fields,
** none quoted, no NUL, no CR but the one of a CRLF line end, and not blank.
** Fills f[0 .. n) and returns the start of the next line (end, for a last
** line without a line end).  Anything else returns NULL and is for
** tl_csv_next, which reads every row there is (seek the reader to p first):
** a caller reading big files goes through their plain rows with this, a
** good deal faster, as it finds the fields of a whole row at once. */
const char *tl_csv_plain_row(const char *p, const char *end, tl_csv_span *f, uint32_t n);
/* The plain rows from p on, each starting before stop (at most end), as
** many as tl_csv_plain_row called one row after another would read, up to
** max, but found in one pass over their bytes: row r's fields go to
** f[r * stride ..), its start to starts[r], and the start of the line after
** the last row read to starts[returned].  It may stop short of the first
** row that is not plain: within 64 bytes of end, or on a machine without
** vectors.  The caller goes on from there with tl_csv_plain_row. */
uint32_t tl_csv_plain_rows(const char *p, const char *end, const char *stop, tl_csv_span *f,
                           uint32_t n, size_t stride, uint32_t max, const char **starts);

#endif
