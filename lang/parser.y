/*
** parser.y: the grammar of the whole plan language (doc/language.md).
**
** A plan is a sequence of items, each introduced by a keyword; there are no
** terminators, because no expression can be followed by another without an
** operator, so the next item's keyword always ends the previous one.  Syntax
** errors recover at the next item, so one run reports every broken item.
**
** Names: several keywords (quota, currency, year, period, days, ...) are
** also common column names; `word` accepts them wherever a name is expected,
** and `primary` accepts them as bare names, so `payee.quota` and
** `currency == "EUR"` work.
*/
%require "3.8"
%expect 0
%define api.pure full
%define api.prefix {tl_yy}
%define parse.error custom
%define parse.lac full
%locations
%lex-param {yyscan_t scanner}
%parse-param {yyscan_t scanner} {struct tl_lexstate *st}

%code requires {
#include "lang/ast.h"
struct tl_lexstate;
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
}

%code provides {
int tl_yylex(TL_YYSTYPE *lval, TL_YYLTYPE *lloc, yyscan_t scanner);
}

%code {
#include <string.h>

#include "lang/parse_state.h"

static void tl_yyerror(TL_YYLTYPE *loc, yyscan_t scanner, struct tl_lexstate *st, const char *msg) {
  (void)scanner;
  /* the only message bison itself produces: its stack is full */
  if (strcmp(msg, "memory exhausted") == 0) msg = "the plan is nested too deeply to read";
  tl_lex_error(st, loc, "%s", msg);
}

/* After a syntax error, skip to the next declaration keyword that begins a
** line, then report errors again at once.  Bison alone would either stay
** silent for three tokens (hiding an error in the very next item) or, told
** yyerrok, retry the same bad token forever; a keyword mid-line (credit in
** credit.amount) would only start a bogus item. */
static bool starts_item(int tok) {
  switch (tok) {
  case PLAN: case CURRENCY: case YEAR: case PERIOD: case ROUNDING: case INPUT:
  case ELIGIBLE: case QUOTA: case CREDIT: case ROLLUP: case CLAWBACK:
  case MEASURE: case COMPONENT: case DRAW: case TEST:
    return true;
  default:
    return false;
  }
}
static void resync(struct tl_lexstate *st, yyscan_t scanner, int *tok,
                   TL_YYSTYPE *lval, TL_YYLTYPE *lloc) {
  for (;;) {
    if (*tok == TL_YYEOF) return;
    if (*tok != TL_YYEMPTY && st->bol && starts_item(*tok)) return;
    *tok = tl_yylex(lval, lloc, scanner);
    if (*tok <= TL_YYEOF) { *tok = TL_YYEOF; return; }
  }
}

#define P (st->plan)
#define SPAN(l) tl_span_of(&(l))

static tl_expr *mk(struct tl_lexstate *st, tl_expr_kind k, TL_YYLTYPE l) {
  return tl_ast_expr(st->plan, k, tl_span_of(&l));
}
/* Nesting deeper than TL_MAX_DEPTH is refused here, once, so no later pass
** (checker, compiler, formatter) ever recurses that deep. */
static void deep(struct tl_lexstate *st, tl_expr *e) {
  if (e->depth > TL_MAX_DEPTH && !st->too_deep) {
    st->too_deep = true;
    TL_YYLTYPE l = { e->span.line, e->span.col, e->span.end_line, e->span.end_col };
    tl_lex_error(st, &l, "expression nested too deeply (more than %d levels)", TL_MAX_DEPTH);
  }
}
static int list_depth(const tl_expr *e) {
  int d = 0;
  for (; e; e = e->next) if (e->depth > d) d = e->depth;
  return d;
}
static tl_expr *unary(struct tl_lexstate *st, tl_op op, tl_expr *x, TL_YYLTYPE l) {
  tl_expr *e = mk(st, TL_E_UNARY, l);
  e->u.unary.op = op; e->u.unary.x = x;
  e->depth = 1 + x->depth;
  deep(st, e);
  return e;
}
static tl_expr *bin(struct tl_lexstate *st, tl_op op, tl_expr *a, tl_expr *b, TL_YYLTYPE l) {
  tl_expr *e = mk(st, TL_E_BINARY, l);
  e->depth = 1 + (a->depth > b->depth ? a->depth : b->depth);
  deep(st, e);
  e->u.binary.op = op; e->u.binary.l = a; e->u.binary.r = b;
  return e;
}
static tl_item *item(struct tl_lexstate *st, tl_item_kind k, TL_YYLTYPE l) {
  tl_item *it = tl_ast_item(st->plan, k, tl_span_of(&l));
  *st->item_tail = it;
  st->item_tail = &it->next;
  return it;
}
/* Append to a list linked through `next`; lists are short, built once. */
#define APPEND(T, head, x) do { T **pp_ = &(head); while (*pp_) pp_ = &(*pp_)->next; *pp_ = (x); } while (0)

/* A test row's value is built first (value_text), so it can record how it was
** written; the key is filled in by the tfield rule. */
static tl_tfield *tvalue(struct tl_lexstate *st, const char *text, bool quoted, bool pct,
                         TL_YYLTYPE vl) {
  tl_tfield *f = tl_arena_alloc(&st->plan->arena, sizeof *f);
  f->text = text; f->quoted = quoted; f->pct = pct; f->span = tl_span_of(&vl);
  return f;
}
static tl_tfield *tfield(const char *key, TL_YYLTYPE kl, tl_tfield *f) {
  f->key = key; f->key_span = tl_span_of(&kl);
  return f;
}
static const char *dec_text(struct tl_lexstate *st, tl_dec v, bool neg) {
  char buf[80];
  buf[0] = '-';
  size_t n = tl_dec_format(v, -1, false, buf + neg, sizeof buf - 1);
  return tl_ast_str(st->plan, buf, n + neg);
}
static const char *date_text(struct tl_lexstate *st, int32_t d) {
  char buf[11];
  tl_date_format(d, buf);
  return tl_ast_str(st->plan, buf, 10);
}
}

%union {
  tl_expr *e;
  tl_item *it;
  const char *s;
  int32_t date;
  struct { tl_dec v; bool lit; } num;
  tl_tier_row *row;
  tl_coldecl *col;
  tl_titem *ti;
  tl_tfield *tf;
  tl_clause *cl;
  int i;
}

%initial-action { @$.first_line = @$.last_line = 1; @$.first_column = @$.last_column = 1; }

%token <s> IDENT "name" STRING "string" MONTHLIT "month" QUARTERLIT "quarter"
%token <num> NUMBER "number" PERCENT "percentage"
%token <date> DATE "date"
%token EQ "==" NE "!=" LE "<=" GE ">="
%token <s> PLAN "plan" CURRENCY "currency" YEAR "year" TO "to" PERIOD "period"
%token <s> ROUNDING "rounding" INPUT "input" KEY "key" ELIGIBLE "eligible" PAYEES "payees"
%token <s> DEALS "deals" WHERE "where" QUOTA "quota" PRORATED "prorated" BY "by" DAYS "days"
%token <s> FROM "from" CREDIT "credit" ROLLUP "rollup" CLAWBACK "clawback" WITHIN "within"
%token <s> REVERSING "reversing" MEASURE "measure" COMPONENT "component"
%token <s> CUMULATIVE "cumulative" MARGINAL "marginal" RETRO "retro" CURVE "curve" OVER "over"
%token <s> EXCLUSIVE "exclusive" CAP "cap" FLOOR "floor" PER "per" DRAW "draw"
%token <s> RECOVERABLE "recoverable" NONRECOVERABLE "nonrecoverable" FOR "for"
%token <s> PERIODS "periods" TEST "test" PAYEE "payee" DEAL "deal" EXPECT "expect"
%token <s> KW_ERROR "error" AND "and" OR "or" NOT "not" IN "in" IF "if" THEN "then"
%token <s> ELSE "else" TRUE "true" FALSE "false"

%type <e> expr primary exprs opt_where
%type <s> word soft_kw item_name row_id period_ref callee
%type <row> tier_rows tier_row
%type <num> tier_num
%type <col> coldecls coldecl
%type <ti> test_items test_item
%type <tf> tfields tfield value_text
%type <cl> clauses clause
%type <i> mode opt_prorated opt_exclusive opt_reversing draw_kind opt_q opt_key

%precedence ELSE
%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' LE '>' GE IN
%left '+' '-'
%left '*' '/'
%precedence UMINUS

%%

plan: %empty | plan item ;

item:
    PLAN STRING                     { tl_item *i = item(st, TL_I_PLAN, @$); i->name = $2; i->name_span = SPAN(@2); }
  | CURRENCY word                   { tl_item *i = item(st, TL_I_CURRENCY, @$); i->name = $2; i->name_span = SPAN(@2); }
  | YEAR DATE TO DATE               { tl_item *i = item(st, TL_I_YEAR, @$); i->d1 = $2; i->d2 = $4; i->name_span = SPAN(@2); }
  | PERIOD word                     { tl_item *i = item(st, TL_I_PERIOD, @$); i->word = $2; i->name_span = SPAN(@2); }
  | ROUNDING word TO NUMBER         { tl_item *i = item(st, TL_I_ROUNDING, @$); i->word = $2; i->num = $4.v; i->name_span = SPAN(@2);
                                      i->flag = true; }
  | ROUNDING word                   { tl_item *i = item(st, TL_I_ROUNDING, @$); i->word = $2; i->num = tl_dec_zero(); i->name_span = SPAN(@2); }
  | INPUT word '{' coldecls '}'     { tl_item *i = item(st, TL_I_INPUT, @$); i->name = $2; i->name_span = SPAN(@2); i->cols = $4; }
  | ELIGIBLE PAYEES WHERE expr      { tl_item *i = item(st, TL_I_ELIGIBLE, @$); i->x = $4; i->name_span = SPAN(@1); }
  | QUOTA '=' expr opt_prorated     { tl_item *i = item(st, TL_I_QUOTA, @$); i->x = $3; i->flag = $4; i->name_span = SPAN(@1); }
  | QUOTA FROM word opt_prorated    { tl_item *i = item(st, TL_I_QUOTA, @$); i->name = $3; i->from_table = true; i->flag = $4; i->name_span = SPAN(@3); }
  | CREDIT DEALS opt_where TO word  { tl_item *i = item(st, TL_I_CREDIT, @$); i->where = $3; i->word = $5; i->name_span = SPAN(@5); }
  | ROLLUP TO word                  { tl_item *i = item(st, TL_I_ROLLUP, @$); i->word = $3; i->name_span = SPAN(@3); }
  | CLAWBACK DEALS word WITHIN NUMBER DAYS opt_reversing
                                    { tl_item *i = item(st, TL_I_CLAWBACK, @$); i->word = $3; i->name_span = SPAN(@3);
                                      i->num = $5.v; i->flag = $7; }
  | MEASURE item_name '=' expr      { tl_item *i = item(st, TL_I_MEASURE, @$); i->name = $2; i->name_span = SPAN(@2); i->x = $4; }
  | COMPONENT item_name mode '=' expr clauses
                                    { tl_item *i = item(st, TL_I_COMPONENT, @$); i->name = $2; i->name_span = SPAN(@2);
                                      i->mode = $3; i->x = $5; i->clauses = $6; }
  | COMPONENT item_name mode '=' expr PER CREDIT opt_where clauses
                                    { tl_item *i = item(st, TL_I_COMPONENT, @$); i->name = $2; i->name_span = SPAN(@2);
                                      i->mode = $3; i->x = $5; i->flag = true; i->where = $8; i->clauses = $9; }
  | DRAW draw_kind expr PER PERIOD FOR NUMBER PERIODS
                                    { tl_item *i = item(st, TL_I_DRAW, @$); i->word = $2 ? "recoverable" : "nonrecoverable";
                                      i->x = $3; i->num = $7.v; i->name_span = SPAN(@2); }
  | TEST STRING '{' test_items '}'  { tl_item *i = item(st, TL_I_TEST, @$); i->name = $2; i->name_span = SPAN(@2); i->tests = $4; }
  | error                           { resync(st, scanner, &yychar, &yylval, &yylloc); yyerrok; }
  ;

item_name: IDENT | soft_kw ;

word: IDENT | soft_kw | PAYEE | DEAL | CREDIT | PAYEES | DEALS | TEST | MEASURE | COMPONENT
    | DRAW | CAP | FLOOR | PLAN | INPUT | ELIGIBLE | ROLLUP | CLAWBACK ;

/* Keywords that can also stand as a bare name inside an expression. */
soft_kw: QUOTA | CURRENCY | YEAR | PERIOD | DAYS | KEY | FROM | PERIODS | ROUNDING | PRORATED
       | REVERSING | CUMULATIVE | EXCLUSIVE | RECOVERABLE | NONRECOVERABLE | WITHIN ;

opt_prorated: %empty { $$ = 0; } | PRORATED BY DAYS { $$ = 1; } ;
opt_reversing: %empty { $$ = 0; } | REVERSING { $$ = 1; } ;
opt_where: %empty { $$ = NULL; } | WHERE expr { $$ = $2; } ;
mode: %empty { $$ = TL_MODE_PERIOD; } | CUMULATIVE { $$ = TL_MODE_CUMULATIVE; } | PERIOD { $$ = TL_MODE_PERIOD; } ;
draw_kind: RECOVERABLE { $$ = 1; } | NONRECOVERABLE { $$ = 0; } ;

clauses: %empty { $$ = NULL; } | clauses clause { $$ = $1; APPEND(tl_clause, $$, $2); } ;
clause:
    CAP expr PER PERIOD    { $$ = tl_arena_alloc(&P->arena, sizeof *$$); $$->kind = TL_CAP_PERIOD; $$->x = $2; $$->span = SPAN(@$); }
  | CAP expr PER YEAR      { $$ = tl_arena_alloc(&P->arena, sizeof *$$); $$->kind = TL_CAP_YEAR; $$->x = $2; $$->span = SPAN(@$); }
  | FLOOR expr PER PERIOD  { $$ = tl_arena_alloc(&P->arena, sizeof *$$); $$->kind = TL_FLOOR_PERIOD; $$->x = $2; $$->span = SPAN(@$); }
  ;

coldecls: coldecl { $$ = $1; } | coldecls ',' coldecl { $$ = $1; APPEND(tl_coldecl, $$, $3); }
        | coldecls ',' { $$ = $1; } ;
coldecl: word word opt_q opt_key {
      $$ = tl_arena_alloc(&P->arena, sizeof *$$);
      $$->name = $1; $$->type = $2; $$->optional = $3; $$->key = $4;
      $$->span = SPAN(@1); $$->type_span = SPAN(@2);
    } ;
opt_q: %empty { $$ = 0; } | '?' { $$ = 1; } ;
opt_key: %empty { $$ = 0; } | KEY { $$ = 1; } ;

expr:
    expr OR expr             { $$ = bin(st, TL_AOP_OR, $1, $3, @$); }
  | expr AND expr            { $$ = bin(st, TL_AOP_AND, $1, $3, @$); }
  | NOT expr                 { $$ = unary(st, TL_AOP_NOT, $2, @$); }
  | expr EQ expr             { $$ = bin(st, TL_AOP_EQ, $1, $3, @$); }
  | expr NE expr             { $$ = bin(st, TL_AOP_NE, $1, $3, @$); }
  | expr '<' expr            { $$ = bin(st, TL_AOP_LT, $1, $3, @$); }
  | expr LE expr             { $$ = bin(st, TL_AOP_LE, $1, $3, @$); }
  | expr '>' expr            { $$ = bin(st, TL_AOP_GT, $1, $3, @$); }
  | expr GE expr             { $$ = bin(st, TL_AOP_GE, $1, $3, @$); }
  | expr IN expr TO expr %prec IN
                             { $$ = mk(st, TL_E_RANGE, @$); $$->u.range.x = $1; $$->u.range.lo = $3; $$->u.range.hi = $5; }
  | expr IN MONTHLIT         { $$ = mk(st, TL_E_INPERIOD, @$); $$->u.inperiod.x = $1; $$->u.inperiod.period = $3; }
  | expr IN QUARTERLIT       { $$ = mk(st, TL_E_INPERIOD, @$); $$->u.inperiod.x = $1; $$->u.inperiod.period = $3; }
  | expr IN '[' exprs ']'    { $$ = mk(st, TL_E_INLIST, @$); $$->u.inlist.x = $1; $$->u.inlist.items = $4; }
  | expr '+' expr            { $$ = bin(st, TL_AOP_ADD, $1, $3, @$); }
  | expr '-' expr            { $$ = bin(st, TL_AOP_SUB, $1, $3, @$); }
  | expr '*' expr            { $$ = bin(st, TL_AOP_MUL, $1, $3, @$); }
  | expr '/' expr            { $$ = bin(st, TL_AOP_DIV, $1, $3, @$); }
  | '-' expr %prec UMINUS    { $$ = unary(st, TL_AOP_NEG, $2, @$); }
  | IF expr THEN expr ELSE expr
                             { $$ = mk(st, TL_E_IF, @$); $$->u.cond.c = $2; $$->u.cond.a = $4; $$->u.cond.b = $6;
                               $$->depth = 1 + list_depth($2) + ($4->depth > $6->depth ? $4->depth : $6->depth);
                               deep(st, $$); }
  | primary
  ;

exprs: expr { $$ = $1; } | exprs ',' expr { $$ = $1; APPEND(tl_expr, $$, $3); } ;

primary:
    NUMBER                   { $$ = mk(st, TL_E_NUM, @$); $$->u.num.v = $1.v; $$->u.num.lit = $1.lit; }
  | PERCENT                  { $$ = mk(st, TL_E_NUM, @$); $$->u.num.v = $1.v; $$->u.num.lit = false; }
  | STRING                   { $$ = mk(st, TL_E_STR, @$); $$->u.str = $1; }
  | DATE                     { $$ = mk(st, TL_E_DATE, @$); $$->u.date = $1; }
  | TRUE                     { $$ = mk(st, TL_E_BOOL, @$); $$->u.b = true; }
  | FALSE                    { $$ = mk(st, TL_E_BOOL, @$); $$->u.b = false; }
  | IDENT                    { $$ = mk(st, TL_E_NAME, @$); $$->u.name.name = $1; }
  | soft_kw                  { $$ = mk(st, TL_E_NAME, @$); $$->u.name.name = $1; }
  | PAYEE                    { $$ = mk(st, TL_E_NAME, @$); $$->u.name.name = $1; }
  | CREDIT                   { $$ = mk(st, TL_E_CREDIT, @$); }
  | PAYEE '.' word           { $$ = mk(st, TL_E_FIELD, @$); $$->u.field.obj = TL_OBJ_PAYEE; $$->u.field.name = $3; }
  | DEAL '.' word            { $$ = mk(st, TL_E_FIELD, @$); $$->u.field.obj = TL_OBJ_DEAL; $$->u.field.name = $3; }
  | CREDIT '.' word          { $$ = mk(st, TL_E_FIELD, @$); $$->u.field.obj = TL_OBJ_CREDIT; $$->u.field.name = $3; }
  | callee '(' ')'           { $$ = mk(st, TL_E_CALL, @$); $$->u.call.name = $1; }
  | callee '(' exprs ')'     { $$ = mk(st, TL_E_CALL, @$); $$->u.call.name = $1; $$->u.call.args = $3;
                               $$->depth = 1 + list_depth($3); deep(st, $$); }
  | callee '(' expr WHERE expr ')'
                             { $$ = mk(st, TL_E_CALL, @$); $$->u.call.name = $1; $$->u.call.args = $3; $$->u.call.where = $5; }
  | '(' expr ')'             { $$ = $2; $$->depth++; deep(st, $$); }
  | MARGINAL expr OVER expr opt_exclusive '{' tier_rows '}'
                             { $$ = mk(st, TL_E_TIER, @$); $$->u.tier.kind = TL_TIER_MARGINAL; $$->u.tier.x = $2;
                               $$->u.tier.over = $4; $$->u.tier.exclusive = $5; $$->u.tier.rows = $7; }
  | MARGINAL expr opt_exclusive '{' tier_rows '}'
                             { $$ = mk(st, TL_E_TIER, @$); $$->u.tier.kind = TL_TIER_MARGINAL; $$->u.tier.x = $2;
                               $$->u.tier.exclusive = $3; $$->u.tier.rows = $5; }
  | RETRO expr OVER expr opt_exclusive '{' tier_rows '}'
                             { $$ = mk(st, TL_E_TIER, @$); $$->u.tier.kind = TL_TIER_RETRO; $$->u.tier.x = $2;
                               $$->u.tier.over = $4; $$->u.tier.exclusive = $5; $$->u.tier.rows = $7; }
  | RETRO expr opt_exclusive '{' tier_rows '}'
                             { $$ = mk(st, TL_E_TIER, @$); $$->u.tier.kind = TL_TIER_RETRO; $$->u.tier.x = $2;
                               $$->u.tier.exclusive = $3; $$->u.tier.rows = $5; }
  | CURVE expr '{' tier_rows '}'
                             { $$ = mk(st, TL_E_TIER, @$); $$->u.tier.kind = TL_TIER_CURVE; $$->u.tier.x = $2;
                               $$->u.tier.rows = $4; }
  ;

/* days is a keyword (within N days) and a built-in function */
callee: IDENT | DAYS ;

opt_exclusive: %empty { $$ = 0; } | EXCLUSIVE { $$ = 1; } ;

tier_rows: %empty { $$ = NULL; }
         | tier_rows tier_row { $$ = $1; APPEND(tl_tier_row, $$, $2); }
         | tier_rows ',' tier_row { $$ = $1; APPEND(tl_tier_row, $$, $3); }
         ;
tier_row: tier_num ':' tier_num {
      $$ = tl_arena_alloc(&P->arena, sizeof *$$);
      $$->bound = $1.v; $$->bound_pct = !$1.lit; $$->rate = $3.v; $$->rate_pct = !$3.lit; $$->span = SPAN(@$);
    } ;
tier_num: NUMBER | PERCENT
        | '-' NUMBER  { $$ = $2; $$.v.raw = -$$.v.raw; }
        | '-' PERCENT { $$ = $2; $$.v.raw = -$$.v.raw; }
        ;

test_items: %empty { $$ = NULL; } | test_items test_item { $$ = $1; APPEND(tl_titem, $$, $2); } ;
test_item:
    word row_id '{' tfields '}' {
      $$ = tl_arena_alloc(&P->arena, sizeof *$$);
      $$->kind = TL_T_ROW; $$->table = $1; $$->id = $2; $$->fields = $4; $$->span = SPAN(@$);
    }
  | EXPECT row_id period_ref word EQ tier_num {
      $$ = tl_arena_alloc(&P->arena, sizeof *$$);
      $$->kind = TL_T_EXPECT; $$->id = $2; $$->period = $3; $$->line = $4; $$->value = $6.v; $$->span = SPAN(@$);
      $$->pct = !$6.lit;
    }
  | EXPECT KW_ERROR STRING {
      $$ = tl_arena_alloc(&P->arena, sizeof *$$);
      $$->kind = TL_T_EXPECT_ERROR; $$->message = $3; $$->span = SPAN(@$);
    }
  ;
row_id: word | STRING | NUMBER { $$ = dec_text(st, $1.v, false); } ;
period_ref: MONTHLIT | QUARTERLIT | NUMBER { $$ = dec_text(st, $1.v, false); } ;

tfields: %empty { $$ = NULL; }
       | tfields tfield { $$ = $1; APPEND(tl_tfield, $$, $2); }
       | tfields ',' tfield { $$ = $1; APPEND(tl_tfield, $$, $3); }
       ;
tfield:
    word ':' value_text     { $$ = tfield($1, @1, $3); }
  | STRING ':' value_text   { $$ = tfield($1, @1, $3); }
  | DATE ':' value_text     { $$ = tfield(date_text(st, $1), @1, $3); }
  | MONTHLIT ':' value_text { $$ = tfield($1, @1, $3); }
  | QUARTERLIT ':' value_text { $$ = tfield($1, @1, $3); }
  ;
value_text:
    NUMBER        { $$ = tvalue(st, dec_text(st, $1.v, false), false, false, @$); }
  | '-' NUMBER    { $$ = tvalue(st, dec_text(st, $2.v, true), false, false, @$); }
  | PERCENT       { $$ = tvalue(st, dec_text(st, $1.v, false), false, true, @$); }
  | '-' PERCENT   { $$ = tvalue(st, dec_text(st, $2.v, true), false, true, @$); }
  | STRING        { $$ = tvalue(st, $1, true, false, @$); }
  | DATE          { $$ = tvalue(st, date_text(st, $1), false, false, @$); }
  | MONTHLIT      { $$ = tvalue(st, $1, false, false, @$); }
  | QUARTERLIT    { $$ = tvalue(st, $1, false, false, @$); }
  | TRUE          { $$ = tvalue(st, "true", false, false, @$); }
  | FALSE         { $$ = tvalue(st, "false", false, false, @$); }
  | word          { $$ = tvalue(st, $1, false, false, @$); }
  ;

%%

/* Name a token the way a user reads it: keywords and operators quoted,
** classes of tokens ("number", "name") and the end of file bare. */
static const char *sym_text(yysymbol_kind_t k, char *buf, size_t cap) {
  switch (k) {
    case YYSYMBOL_YYEOF: case YYSYMBOL_IDENT: case YYSYMBOL_STRING: case YYSYMBOL_MONTHLIT:
    case YYSYMBOL_QUARTERLIT: case YYSYMBOL_NUMBER: case YYSYMBOL_PERCENT: case YYSYMBOL_DATE:
      return yysymbol_name(k);
    default:
      if (yysymbol_name(k)[0] == '\'') return yysymbol_name(k);
      snprintf(buf, cap, "'%s'", yysymbol_name(k));
      return buf;
  }
}

static bool expects(const yysymbol_kind_t *exp, int n, yysymbol_kind_t k) {
  for (int i = 0; i < n; i++)
    if (exp[i] == k) return true;
  return false;
}

/* Single-character tokens have numbered symbol kinds; find them by name. */
static bool is_char(yysymbol_kind_t k, char c) {
  const char *name = yysymbol_name(k);
  return name[0] == '\'' && name[1] == c && name[2] == '\'';
}

static bool expects_char(const yysymbol_kind_t *exp, int n, char c) {
  for (int i = 0; i < n; i++)
    if (is_char(exp[i], c)) return true;
  return false;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner, struct tl_lexstate *st) {
  enum { MAXEXP = YYNTOKENS };
  yysymbol_kind_t exp[MAXEXP];
  int n = yypcontext_expected_tokens(ctx, exp, MAXEXP);
  yysymbol_kind_t tok = yypcontext_token(ctx);
  const TL_YYLTYPE *loc = yypcontext_location(ctx);
  char tb[64], msg[640];
  size_t len = 0;
  (void)scanner;
  if (tok == YYSYMBOL_YYUNDEF) return 0;
  if (tok == YYSYMBOL_IDENT && st->last_name)
    len += snprintf(msg + len, sizeof msg - len, "unexpected name %s", st->last_name);
  else
    len += snprintf(msg + len, sizeof msg - len, "unexpected %s", sym_text(tok, tb, sizeof tb));
  bool expression = expects(exp, n, YYSYMBOL_NUMBER) && expects_char(exp, n, '(');
  bool tiers = expects(exp, n, YYSYMBOL_PERCENT) && expects_char(exp, n, '}') && !expression;
  if (expects(exp, n, YYSYMBOL_MEASURE) && expects(exp, n, YYSYMBOL_COMPONENT)) {
    snprintf(msg + len, sizeof msg - len, ", expected a declaration (plan, currency, year, "
             "period, rounding, input, eligible, quota, credit, rollup, clawback, measure, "
             "component, draw or test)");
  } else if (tiers) {
    snprintf(msg + len, sizeof msg - len, " in a tier table: rows are BOUND : RATE "
             "(possibly an unterminated tier table: close it with })");
  } else if (expression) {
    snprintf(msg + len, sizeof msg - len, ", expected an expression");
  } else if (is_char(tok, '=') && expects(exp, n, YYSYMBOL_EQ)) {
    snprintf(msg + len, sizeof msg - len, " (use == to compare)");
  } else if (n > 0 && n <= 5) {
    len += snprintf(msg + len, sizeof msg - len, ", expected ");
    for (int i = 0; i < n && len < sizeof msg; i++) {
      char eb[64];
      len += snprintf(msg + len, sizeof msg - len, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
                      sym_text(exp[i], eb, sizeof eb));
    }
  }
  tl_lex_error(st, loc, "%s", msg);
  return 0;
}
