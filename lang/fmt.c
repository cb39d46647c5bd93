/*
** fmt.c: the canonical formatter (`tally fmt`).
**
** Every plan is printed in one layout, so that two admins' edits differ only
** where the plan does.  The rules (doc/language.md repeats them):
**
**  Items     Never reordered (comments belong to them); each starts a line.
**            They fall into groups: header (plan, currency, year, period,
**            rounding), inputs, set-up (eligible, quota, credit, rollup,
**            clawback), measures and components, draws, tests.  One blank line
**            between groups and around every item that takes several lines;
**            no other blank lines, except those next to top-level comments.
**  Inputs    `input deals { id text key, amount money }` when that fits in
**            100 columns and holds no comment; else `input deals {`, one
**            column per line indented 2 with commas between (none after the
**            last), and `}` on its own line.
**  Measures and components
**            `measure NAME = EXPR` on one line when it fits in 100 columns and
**            holds no tier table; else `measure NAME =` and the expression on
**            the next line, indented 2.  `per credit [where F]` stays with the
**            expression, unless that makes the line too long: then it goes
**            on the next line, indented 2.  Each cap or floor goes on its own
**            line, indented 2.
**            `component c period =` is written `component c =` (the same
**            meaning).
**  Tier tables and curves
**            `marginal X over Y [exclusive] {`, one row per line indented 2
**            more than the line holding the header, bounds right-aligned
**            before ` : `, no commas, then `}` back at the header line's
**            indentation; the expression may go on after it (`} * 2`).
**  Tests     `test "name" {`, then each row and expectation on one line
**            indented 2 (`payee A { role: "AE", quota: 400_000 }`), `}`.
**  Expressions
**            One space around binary operators and after commas, none inside
**            brackets; the fewest parentheses parser.y's precedences allow,
**            except that an `if` is parenthesised wherever something could
**            follow it (it would swallow what follows), and so is an `if`
**            used as the condition or `then` branch of another `if`.
**  Literals  Numbers in the shortest exact form, without trailing zeros after
**            the point (2.50 is written 2.5), except that an expected amount
**            in a test is written to the cent at least (== 10_400.00);
**            integer parts of 4 digits or more grouped by _ (4_000,
**            120_000), as the output groups amounts by commas; percentages the
**            same with % (12.5%); a minus sign right before its operand
**            (-800, -x); dates YYYY-MM-DD; strings in double quotes
**            with \" \\ \n \t escapes.  In test rows a value keeps whether it
**            was quoted or written with %; keys and row ids are written bare
**            when the grammar allows it, else quoted.
**  Comments  Every comment is kept, text unchanged.  One on a line of its own
**            stays on a line of its own, just above the line holding the code
**            that followed it, at that line's indentation (above a closing
**            brace: at the indentation of the rows).  One after code stays
**            at the end of the line holding that code, two spaces after it.
**            Comments inside code that now sits on one line go on their own
**            lines just above it, except the last, which stays at its end
**            if it followed code.  At top level a blank line before or after
**            a comment is kept (one at most).
**  Lines     Indented by spaces; no trailing blank line.  Expressions and
**            test rows are never broken, so only they pass 100 columns.
**
** How comments find their place.  The tree holds spans, not tokens, so a dry
** run of the printer first collects every source position it will mark (the
** first and last character of each item, name, expression, tier row, column,
** clause and test entry).  A comment that has a marked position before it on
** its source line trails code; any other comment is on its own line.  The
** real run marks the same positions as it prints: comments before the first
** position marked on an output line go above that line; comments between
** positions on the line, or trailing its last position, go with the line.
** Because the output puts each comment just where these rules look for it,
** formatting the output again places every comment the same way.
*/
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lang/fmt.h"
#include "runtime/date.h"
#include "runtime/decimal.h"

#define WIDTH 100         /* the width layout decisions aim at */
#define STEP 2            /* one level of indentation */
#define GROUP_DIGITS 4    /* integer parts this long get _ separators, as the amounts
                          ** in the output get commas: 4_000 like 4,000.00 */

typedef struct pos { int line, col; } pos;

static int poscmp(pos a, pos b) {
  if (a.line != b.line) return a.line < b.line ? -1 : 1;
  return (a.col > b.col) - (a.col < b.col);
}
static pos first(tl_span s) { pos p = { s.line, s.col }; return p; }
static pos last(tl_span s) { pos p = { s.end_line, s.end_col }; return p; }

/* A comment and what the dry run learned about its surroundings. */
typedef struct note {
  const char *text;
  pos at;
  bool trails;                 /* code before it on its source line */
  pos anchor;                  /* trails: the last marked position before it */
  bool gap_before, gap_after;  /* a blank line next to it in the source */
} note;

/* PRINT writes; POINTS is the dry run that collects marked positions;
** MEASURE renders one line into the buffer only to measure it. */
enum { PRINT, POINTS, MEASURE };

typedef struct printer {
  FILE *out;
  int mode;
  TL_VEC(pos) points;          /* POINTS: every marked position */
  TL_VEC(note) notes;          /* in source order */
  size_t next;                 /* first note not yet given to a line */
  /* The line being built: its text, whose indentation is not in the buffer. */
  TL_VEC(char) text;
  int indent, cindent;         /* of the code; of comments placed above it */
  bool has_code;               /* some position was marked on it */
  pos end;                     /* the last position marked on it */
  TL_VEC(size_t) held;         /* notes that go with it, in order */
  size_t nabove;               /* how many of them came before its code */
  bool started;                /* a line has been written */
  bool blank;                  /* a blank line is due before the next one */
  bool multi;                  /* MEASURE: met a tier table (several lines) */
} printer;

/*
** Lines and comments
*/

static void putn(printer *p, const char *s, size_t n) {
  if (p->text.n + n + 1 > p->text.cap) {
    size_t cap = p->text.cap ? p->text.cap : 128;
    while (cap < p->text.n + n + 1) cap *= 2;
    p->text.v = tl_realloc(p->text.v, cap);
    p->text.cap = cap;
  }
  memcpy(p->text.v + p->text.n, s, n);
  p->text.n += n;
}
static void put(printer *p, const char *s) { putn(p, s, strlen(s)); }

/* Columns taken by s[0..n): UTF-8 continuation bytes take none. */
static int cols(const char *s, size_t n) {
  int w = 0;
  for (size_t i = 0; i < n; i++) w += ((unsigned char)s[i] & 0xc0) != 0x80;
  return w;
}

static void write_line(printer *p, int indent, const char *s, size_t n, const char *tail) {
  if (p->mode != PRINT) return;
  if (p->blank && p->started) fputc('\n', p->out);
  p->blank = false;
  p->started = true;
  fprintf(p->out, "%*s", indent, "");
  if (n) fwrite(s, 1, n, p->out);
  if (tail) fprintf(p->out, "%s%s", n ? "  " : "", tail);
  fputc('\n', p->out);
}

/* A comment on a line of its own.  At top level, keep one blank line where
** the source had one next to it: such blank lines set off section headings. */
static void comment_line(printer *p, size_t i, int indent) {
  const note *c = &p->notes.v[i];
  bool top = indent == 0 && !c->trails;
  if (top && c->gap_before) p->blank = true;
  write_line(p, indent, c->text, strlen(c->text), NULL);
  if (top && c->gap_after) p->blank = true;
}

static void begin(printer *p, int indent, int cindent) {
  p->indent = indent;
  p->cindent = cindent;
}

/* Record that the code at source position `at` is on the current line: the
** comments before it are above the line if it is the line's first code, else
** inside the line. */
static void mark(printer *p, pos at) {
  if (p->mode == MEASURE) return;
  if (p->mode == POINTS) {
    tl_vec_push(p->points, at);
    return;
  }
  while (p->next < p->notes.n && poscmp(p->notes.v[p->next].at, at) < 0) {
    tl_vec_push(p->held, p->next++);
    if (!p->has_code) p->nabove++;
  }
  if (!p->has_code || poscmp(at, p->end) > 0) p->end = at;
  p->has_code = true;
}

/* Finish the current line: take the comments that trail its code, put the
** last comment that came after its code at its end, the others above it. */
static void end(printer *p) {
  size_t n;
  const char *tail = NULL;
  while (p->has_code && p->next < p->notes.n && p->notes.v[p->next].trails &&
         poscmp(p->notes.v[p->next].anchor, p->end) <= 0)
    tl_vec_push(p->held, p->next++);
  n = p->held.n;
  if (n > p->nabove && p->notes.v[p->held.v[n - 1]].trails) tail = p->notes.v[p->held.v[--n]].text;
  for (size_t i = 0; i < n; i++) comment_line(p, p->held.v[i], p->cindent);
  if (p->text.n || tail) write_line(p, p->indent, p->text.v, p->text.n, tail);
  p->text.n = 0;
  p->held.n = 0;
  p->nabove = 0;
  p->has_code = false;
}

static void from(printer *p, tl_span s) { mark(p, first(s)); }
static void upto(printer *p, tl_span s) { mark(p, last(s)); }

/*
** Literals
*/

/* The canonical spelling of v (times 100 and with % when pct); buf holds 96. */
static const char *numtext(tl_dec v, bool pct, char *buf) {
  char digits[80];
  const char *s = digits;
  size_t k = 0, nint;
  if (pct) v.raw *= 100;   /* exact: the lexer divided a written value by 100 */
  tl_dec_format(v, -1, false, digits, sizeof digits);
  if (*s == '-') buf[k++] = *s++;
  nint = strcspn(s, ".");
  for (size_t i = 0; i < nint; i++) {
    if (nint >= GROUP_DIGITS && i > 0 && (nint - i) % 3 == 0) buf[k++] = '_';
    buf[k++] = s[i];
  }
  strcpy(buf + k, s + nint);
  if (pct) strcat(buf, "%");
  return buf;
}

static void num(printer *p, tl_dec v, bool pct) {
  char buf[96];
  put(p, numtext(v, pct, buf));
}

/* An expected amount is money: written to the cent at least (10_400.00). */
static void amount(printer *p, tl_dec v, bool pct) {
  char buf[96];
  numtext(v, pct, buf);
  if (!pct) {
    const char *dot = strchr(buf, '.');
    if (!dot) strcat(buf, ".00");
    else if (strlen(dot) == 2) strcat(buf, "0");
  }
  put(p, buf);
}

static void str(printer *p, const char *s) {
  put(p, "\"");
  for (; *s; s++) {
    switch (*s) {
      case '"': put(p, "\\\""); break;
      case '\\': put(p, "\\\\"); break;
      case '\n': put(p, "\\n"); break;
      case '\t': put(p, "\\t"); break;
      default: putn(p, s, 1);
    }
  }
  put(p, "\"");
}

static void date(printer *p, int32_t d) {
  char buf[11];
  tl_date_format(d, buf);
  put(p, buf);
}

/* Keywords the grammar never takes as a name (parser.y's `word`): a key or
** row id spelled like one has to be quoted.  Keep in step with that rule. */
static const char *const reserved[] = {
  "and", "by", "curve", "else", "error", "expect", "false", "for", "if", "in", "marginal", "not",
  "or", "over", "per", "retro", "then", "to", "true", "where",
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) {
  return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_word(const char *s) {
  if (!is_alpha(*s)) return false;
  for (const char *t = s; *t; t++)
    if (!is_alpha(*t) && !is_digit(*t)) return false;
  for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
    if (strcmp(s, reserved[i]) == 0) return false;
  return true;
}

/* A date, month or quarter the scanner reads back as the same text. */
static bool is_calendar(const char *s) {
  size_t n = strlen(s);
  tl_date d;
  if (n == 10) return tl_date_parse(s, n, &d);
  if (n != 7 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) ||
      s[4] != '-')
    return false;
  if (s[5] == 'Q') return s[6] >= '1' && s[6] <= '4';
  return (s[5] == '0' && s[6] >= '1' && s[6] <= '9') || (s[5] == '1' && s[6] >= '0' && s[6] <= '2');
}

/* A number the parser turns back into the same text (row ids keep it plain). */
static bool is_plain_number(const char *s) {
  tl_dec v;
  char buf[80];
  if (!is_digit(*s) || tl_dec_parse(s, strlen(s), 0, &v) != TL_DEC_OK) return false;
  tl_dec_format(v, -1, false, buf, sizeof buf);
  return strcmp(buf, s) == 0;
}

static void key(printer *p, const char *s) {
  if (is_word(s) || is_calendar(s)) put(p, s);
  else str(p, s);
}

static void row_id(printer *p, const char *s) {
  if (is_word(s) || is_plain_number(s)) put(p, s);
  else str(p, s);
}

/* A test row's value: the text the loader reads, spelled as it was written
** (numbers canonically; words, dates, true and false never parse as one). */
static void value(printer *p, const tl_tfield *f) {
  tl_dec v;
  if (f->quoted) str(p, f->text);
  else if (tl_dec_parse(f->text, strlen(f->text), 0, &v) == TL_DEC_OK) num(p, v, f->pct);
  else put(p, f->text);
}

/*
** Expressions
*/

/* Binding strength, weakest first, after the precedence list in parser.y. */
enum { P_ANY, P_IF, P_OR, P_AND, P_NOT, P_CMP, P_ADD, P_MUL, P_NEG, P_PRIMARY };

static int prec(const tl_expr *e) {
  switch (e->kind) {
    case TL_E_IF: return P_IF;
    case TL_E_UNARY: return e->u.unary.op == TL_AOP_NOT ? P_NOT : P_NEG;
    case TL_E_RANGE: case TL_E_INPERIOD: case TL_E_INLIST: return P_CMP;
    case TL_E_BINARY:
      switch (e->u.binary.op) {
        case TL_AOP_OR: return P_OR;
        case TL_AOP_AND: return P_AND;
        case TL_AOP_ADD: case TL_AOP_SUB: return P_ADD;
        case TL_AOP_MUL: case TL_AOP_DIV: return P_MUL;
        default: return P_CMP;
      }
    default: return P_PRIMARY;
  }
}

static void expr(printer *p, const tl_expr *e, int need);

static void tier(printer *p, const tl_expr *e) {
  static const char *const kw[] = { "marginal ", "retro ", "curve " };
  char buf[96];
  int w = 0, rows = p->indent + STEP;
  put(p, kw[e->u.tier.kind]);
  expr(p, e->u.tier.x, P_ANY);
  if (e->u.tier.over) {
    put(p, " over ");
    expr(p, e->u.tier.over, P_ANY);
  }
  if (e->u.tier.exclusive) put(p, " exclusive");
  put(p, " {");
  if (p->mode == MEASURE) {
    p->multi = true;
    return;
  }
  for (const tl_tier_row *r = e->u.tier.rows; r; r = r->next) {
    int n = (int)strlen(numtext(r->bound, r->bound_pct, buf));
    if (n > w) w = n;
  }
  int indent = p->indent;
  end(p);
  for (const tl_tier_row *r = e->u.tier.rows; r; r = r->next) {
    begin(p, rows, rows);
    from(p, r->span);
    numtext(r->bound, r->bound_pct, buf);
    for (int i = (int)strlen(buf); i < w; i++) put(p, " ");
    put(p, buf);
    put(p, " : ");
    num(p, r->rate, r->rate_pct);
    upto(p, r->span);
    end(p);
  }
  begin(p, indent, rows);
  upto(p, e->span);
  put(p, "}");
}

static void list(printer *p, const tl_expr *e) {
  for (; e; e = e->next) {
    expr(p, e, P_ANY);
    if (e->next) put(p, ", ");
  }
}

static void expr(printer *p, const tl_expr *e, int need) {
  static const char *const obj[] = { "payee.", "deal.", "credit." };
  bool paren = prec(e) < need;
  if (paren) put(p, "(");
  from(p, e->span);
  switch (e->kind) {
    case TL_E_NUM: num(p, e->u.num.v, !e->u.num.lit); break;
    case TL_E_STR: str(p, e->u.str); break;
    case TL_E_DATE: date(p, e->u.date); break;
    case TL_E_BOOL: put(p, e->u.b ? "true" : "false"); break;
    case TL_E_NAME: put(p, e->u.name.name); break;
    case TL_E_FIELD: put(p, obj[e->u.field.obj]); put(p, e->u.field.name); break;
    case TL_E_CREDIT: put(p, "credit"); break;
    case TL_E_CALL:
      put(p, e->u.call.name);
      put(p, "(");
      list(p, e->u.call.args);
      if (e->u.call.where) {
        put(p, " where ");
        expr(p, e->u.call.where, P_ANY);
      }
      put(p, ")");
      break;
    case TL_E_UNARY:
      put(p, e->u.unary.op == TL_AOP_NOT ? "not " : "-");
      expr(p, e->u.unary.x, prec(e));
      break;
    case TL_E_BINARY: {
      int pr = prec(e);
      /* left-associative, except comparisons, which do not chain at all */
      expr(p, e->u.binary.l, pr == P_CMP ? pr + 1 : pr);
      put(p, " ");
      put(p, tl_op_text(e->u.binary.op));
      put(p, " ");
      expr(p, e->u.binary.r, pr + 1);
      break;
    }
    case TL_E_IF:
      put(p, "if ");
      expr(p, e->u.cond.c, P_OR);
      put(p, " then ");
      expr(p, e->u.cond.a, P_OR);
      put(p, " else ");
      expr(p, e->u.cond.b, P_IF);
      break;
    case TL_E_RANGE:
      expr(p, e->u.range.x, P_ADD);
      put(p, " in ");
      expr(p, e->u.range.lo, P_ADD);
      put(p, " to ");
      expr(p, e->u.range.hi, P_ADD);
      break;
    case TL_E_INPERIOD:
      expr(p, e->u.inperiod.x, P_ADD);
      put(p, " in ");
      put(p, e->u.inperiod.period);
      break;
    case TL_E_INLIST:
      expr(p, e->u.inlist.x, P_ADD);
      put(p, " in [");
      list(p, e->u.inlist.items);
      put(p, "]");
      break;
    case TL_E_TIER: tier(p, e); break;
  }
  upto(p, e->span);
  if (paren) put(p, ")");
}

/*
** Items
*/

static int group(tl_item_kind k) {
  switch (k) {
    case TL_I_PLAN: case TL_I_CURRENCY: case TL_I_YEAR: case TL_I_PERIOD: case TL_I_ROUNDING:
      return 0;
    case TL_I_INPUT: return 1;
    case TL_I_MEASURE: case TL_I_COMPONENT: return 3;
    case TL_I_DRAW: return 4;
    case TL_I_TEST: return 5;
    default: return 2;
  }
}

static void column(printer *p, const tl_coldecl *c) {
  from(p, c->span);
  put(p, c->name);
  upto(p, c->span);
  put(p, " ");
  from(p, c->type_span);
  put(p, c->type);
  upto(p, c->type_span);
  if (c->optional) put(p, "?");
  if (c->key) put(p, " key");
}

static void columns_inline(printer *p, const tl_item *it) {
  put(p, " { ");
  for (const tl_coldecl *c = it->cols; c; c = c->next) {
    column(p, c);
    if (c->next) put(p, ", ");
  }
  put(p, " }");
}

static void per_credit(printer *p, const tl_item *it) {
  put(p, "per credit");
  if (it->where) {
    put(p, " where ");
    expr(p, it->where, P_ANY);
  }
}

/* The text after `measure NAME =`, `component NAME =`, on one line. */
/* An `if` body followed by `per credit` or a cap is parenthesised: the
** parser would not take what follows into the else branch, but a reader
** would. */
static int body_need(const tl_item *it) {
  return it->flag || it->clauses ? P_OR : P_ANY;
}

static void calc_body(printer *p, const tl_item *it) {
  expr(p, it->x, body_need(it));
  if (it->flag) {
    put(p, " ");
    per_credit(p, it);
  }
}

static void calc_head(printer *p, const tl_item *it) {
  put(p, it->kind == TL_I_MEASURE ? "measure " : "component ");
  from(p, it->name_span);
  put(p, it->name);
  upto(p, it->name_span);
  if (it->kind == TL_I_COMPONENT && it->mode == TL_MODE_CUMULATIVE) put(p, " cumulative");
  put(p, " =");
}

/* Does the one-line form of an input, measure or component fit (indented by
** indent)?  As a body alone, with head false. */
static bool fits(printer *p, const tl_item *it, bool head, int indent) {
  int mode = p->mode;
  size_t start = p->text.n;
  bool ok;
  p->mode = MEASURE;
  p->multi = false;
  if (it->kind == TL_I_INPUT) {
    put(p, "input ");
    put(p, it->name);
    columns_inline(p, it);
  } else {
    if (head) {
      calc_head(p, it);
      put(p, " ");
    }
    calc_body(p, it);
  }
  ok = !p->multi && indent + cols(p->text.v + start, p->text.n - start) <= WIDTH;
  p->text.n = start;
  p->mode = mode;
  return ok;
}

/* Comments inside an input's braces keep it one column per line, so each
** stays by its column. */
static bool holds_comment(const printer *p, const tl_item *it) {
  for (size_t i = p->next; i < p->notes.n; i++) {
    if (poscmp(p->notes.v[i].at, last(it->span)) > 0) break;
    if (poscmp(p->notes.v[i].at, first(it->span)) > 0) return true;
  }
  return false;
}

/* Does e take several lines (it holds a tier table)? */
static bool tall(printer *p, const tl_expr *e) {
  int mode = p->mode;
  size_t start = p->text.n;
  if (!e) return false;
  p->mode = MEASURE;
  p->multi = false;
  expr(p, e, P_ANY);
  p->text.n = start;
  p->mode = mode;
  return p->multi;
}

static bool inline_input(printer *p, const tl_item *it) {
  return fits(p, it, true, 0) && !holds_comment(p, it);
}

static bool multiline(printer *p, const tl_item *it) {
  switch (it->kind) {
    case TL_I_TEST: return true;
    case TL_I_INPUT: return !inline_input(p, it);
    case TL_I_MEASURE: return !fits(p, it, true, 0);
    case TL_I_COMPONENT: return it->clauses || !fits(p, it, true, 0);
    default: return tall(p, it->x) || tall(p, it->where);
  }
}

static void input(printer *p, const tl_item *it) {
  put(p, "input ");
  from(p, it->name_span);
  put(p, it->name);
  upto(p, it->name_span);
  if (inline_input(p, it)) {
    columns_inline(p, it);
    return;
  }
  put(p, " {");
  for (const tl_coldecl *c = it->cols; c; c = c->next) {
    end(p);
    begin(p, STEP, STEP);
    column(p, c);
    if (c->next) put(p, ",");
  }
  end(p);
  begin(p, 0, STEP);
  upto(p, it->span);
  put(p, "}");
}

/* A measure or component.  A body too long for a line of its own has its
** `per credit` part (a SPIF's deal filter, typically) on the next line. */
static void calc(printer *p, const tl_item *it) {
  calc_head(p, it);
  if (fits(p, it, true, 0)) {
    put(p, " ");
    calc_body(p, it);
  } else {
    end(p);
    begin(p, STEP, STEP);
    if (!it->flag || fits(p, it, false, STEP)) {
      calc_body(p, it);
    } else {
      expr(p, it->x, body_need(it));
      end(p);
      begin(p, STEP, STEP);
      per_credit(p, it);
    }
  }
  for (const tl_clause *c = it->clauses; c; c = c->next) {
    end(p);
    begin(p, STEP, STEP);
    from(p, c->span);
    put(p, c->kind == TL_FLOOR_PERIOD ? "floor " : "cap ");
    expr(p, c->x, P_ANY);
    put(p, c->kind == TL_CAP_YEAR ? " per year" : " per period");
    upto(p, c->span);
  }
}

static void test_entry(printer *p, const tl_titem *t) {
  from(p, t->span);
  switch (t->kind) {
    case TL_T_ROW:
      put(p, t->table);
      put(p, " ");
      row_id(p, t->id);
      put(p, t->fields ? " { " : " {}");
      for (const tl_tfield *f = t->fields; f; f = f->next) {
        from(p, f->key_span);
        key(p, f->key);
        upto(p, f->key_span);
        put(p, ": ");
        from(p, f->span);
        value(p, f);
        upto(p, f->span);
        put(p, f->next ? ", " : " }");
      }
      break;
    case TL_T_EXPECT:
      put(p, "expect ");
      row_id(p, t->id);
      put(p, " ");
      put(p, t->period);
      put(p, " ");
      put(p, t->line);
      put(p, " == ");
      amount(p, t->value, t->pct);
      break;
    case TL_T_EXPECT_ERROR:
      put(p, "expect error ");
      str(p, t->message);
      break;
  }
  upto(p, t->span);
}

static void test(printer *p, const tl_item *it) {
  put(p, "test ");
  from(p, it->name_span);
  str(p, it->name);
  upto(p, it->name_span);
  put(p, " {");
  for (const tl_titem *t = it->tests; t; t = t->next) {
    end(p);
    begin(p, STEP, STEP);
    test_entry(p, t);
  }
  end(p);
  begin(p, 0, STEP);
  upto(p, it->span);
  put(p, "}");
}

/* The word an item names (currency, period kind, table, column), which its
** name span locates. */
static void named(printer *p, const tl_item *it, const char *s) {
  from(p, it->name_span);
  put(p, s);
  upto(p, it->name_span);
}

static void item(printer *p, const tl_item *it) {
  begin(p, 0, 0);
  from(p, it->span);
  switch (it->kind) {
    case TL_I_PLAN:
      put(p, "plan ");
      from(p, it->name_span);
      str(p, it->name);
      upto(p, it->name_span);
      break;
    case TL_I_CURRENCY: put(p, "currency "); named(p, it, it->name); break;
    case TL_I_YEAR:
      put(p, "year ");
      from(p, it->name_span);
      date(p, it->d1);
      upto(p, it->name_span);
      put(p, " to ");
      date(p, it->d2);
      break;
    case TL_I_PERIOD: put(p, "period "); named(p, it, it->word); break;
    case TL_I_ROUNDING:
      put(p, "rounding ");
      named(p, it, it->word);
      if (it->flag) {   /* the unit as written; without one the default applies */
        put(p, " to ");
        num(p, it->num, false);
      }
      break;
    case TL_I_INPUT: input(p, it); break;
    case TL_I_ELIGIBLE:
      from(p, it->name_span);
      put(p, "eligible");
      upto(p, it->name_span);
      put(p, " payees where ");
      expr(p, it->x, P_ANY);
      break;
    case TL_I_QUOTA:
      if (it->from_table) {
        put(p, "quota from ");
        named(p, it, it->name);
      } else {
        from(p, it->name_span);
        put(p, "quota");
        upto(p, it->name_span);
        put(p, " = ");
        expr(p, it->x, P_ANY);
      }
      if (it->flag) put(p, " prorated by days");
      break;
    case TL_I_CREDIT:
      put(p, "credit deals");
      if (it->where) {
        put(p, " where ");
        expr(p, it->where, P_ANY);
      }
      put(p, " to ");
      named(p, it, it->word);
      break;
    case TL_I_ROLLUP: put(p, "rollup to "); named(p, it, it->word); break;
    case TL_I_CLAWBACK:
      put(p, "clawback deals ");
      named(p, it, it->word);
      put(p, " within ");
      num(p, it->num, false);
      put(p, it->flag ? " days reversing" : " days");
      break;
    case TL_I_MEASURE: case TL_I_COMPONENT: calc(p, it); break;
    case TL_I_DRAW:
      put(p, "draw ");
      named(p, it, it->word);
      put(p, " ");
      expr(p, it->x, P_ANY);
      put(p, " per period for ");
      num(p, it->num, false);
      put(p, " periods");
      break;
    case TL_I_TEST: test(p, it); break;
  }
  upto(p, it->span);
  end(p);
}

static void items(printer *p, const tl_plan *plan) {
  const tl_item *prev = NULL;
  bool prev_multi = false;
  for (const tl_item *it = plan->items; it; prev = it, it = it->next) {
    bool m = multiline(p, it);
    if (prev && (m || prev_multi || group(prev->kind) != group(it->kind))) p->blank = true;
    item(p, it);
    prev_multi = m;
  }
  while (p->next < p->notes.n) comment_line(p, p->next++, 0);
}

static int cmp_pos(const void *a, const void *b) {
  return poscmp(*(const pos *)a, *(const pos *)b);
}

/* Where each comment sits among the marked positions: does code precede it
** on its line, and is it next to a blank line? */
static void place_notes(printer *p, const tl_plan *plan) {
  if (p->points.n) qsort(p->points.v, p->points.n, sizeof *p->points.v, cmp_pos);
  for (const tl_comment *c = plan->comments; c; c = c->next) {
    note n = { c->text, { c->line, c->col }, false, { 0, 0 }, false, false };
    tl_vec_push(p->notes, n);
  }
  size_t k = 0;
  for (size_t i = 0; i < p->notes.n; i++) {
    note *n = &p->notes.v[i];
    int before = 0, after = INT_MAX;
    while (k < p->points.n && poscmp(p->points.v[k], n->at) < 0) k++;
    if (k > 0) {
      pos prev = p->points.v[k - 1];
      n->trails = prev.line == n->at.line;
      n->anchor = prev;
      before = prev.line;
    }
    if (k < p->points.n) after = p->points.v[k].line;
    if (i > 0 && p->notes.v[i - 1].at.line > before) before = p->notes.v[i - 1].at.line;
    if (i + 1 < p->notes.n && p->notes.v[i + 1].at.line < after) after = p->notes.v[i + 1].at.line;
    n->gap_before = before > 0 && n->at.line - before > 1;
    n->gap_after = after != INT_MAX && after - n->at.line > 1;
  }
}

int tl_fmt_plan(const tl_plan *plan, FILE *out) {
  printer p;
  memset(&p, 0, sizeof p);
  p.out = out;
  p.mode = POINTS;
  items(&p, plan);
  place_notes(&p, plan);
  p.mode = PRINT;
  p.blank = false;
  items(&p, plan);
  tl_vec_free(p.points);
  tl_vec_free(p.notes);
  tl_vec_free(p.text);
  tl_vec_free(p.held);
  return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
