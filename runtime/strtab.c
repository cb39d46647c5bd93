/*
** strtab.c: interned strings (see ledger.h).
**
** Ids are dense and given in order of first appearance, so callers can index
** arrays by them.  The text lives in an arena and never moves; the hash table
** is open-addressed with linear probing and at most half full.  The empty
** string is always id 0, so an empty text cell has a readable id too.
*/
#include <string.h>

#include "arena.h"
#include "ledger.h"

typedef struct entry { const char *s; uint32_t len, hash; } entry;

struct tl_strtab {
  tl_arena text;
  TL_VEC(entry) e;
  uint32_t *slot;         /* id + 1, or 0 when free */
  uint32_t mask;
};

/* FNV-1a: ids and codes are short, and this is fast enough for them. */
static uint32_t hash(const char *s, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

tl_strtab *tl_strtab_new(void) {
  tl_strtab *t = tl_calloc(1, sizeof *t);
  tl_arena_init(&t->text);
  t->mask = 63;
  t->slot = tl_calloc(t->mask + 1, sizeof *t->slot);
  tl_str_intern(t, "", 0);
  return t;
}

void tl_strtab_free(tl_strtab *t) {
  if (!t) return;
  tl_arena_free(&t->text);
  tl_vec_free(t->e);
  tl_free(t->slot);
  tl_free(t);
}

static uint32_t *lookup(const tl_strtab *t, const char *s, size_t n, uint32_t h) {
  for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
    uint32_t *sl = &t->slot[i];
    if (*sl == 0) return sl;
    const entry *e = &t->e.v[*sl - 1];
    if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0) return sl;
  }
}

static void grow(tl_strtab *t) {
  uint32_t mask = t->mask * 2 + 1;
  uint32_t *slot = tl_calloc((size_t)mask + 1, sizeof *slot);
  for (uint32_t id = 0; id < t->e.n; id++) {
    uint32_t i = t->e.v[id].hash & mask;
    while (slot[i]) i = (i + 1) & mask;
    slot[i] = id + 1;
  }
  tl_free(t->slot);
  t->slot = slot;
  t->mask = mask;
}

uint32_t tl_str_intern(tl_strtab *t, const char *s, size_t n) {
  uint32_t h = hash(s, n);
  uint32_t *sl = lookup(t, s, n, h);
  if (*sl) return *sl - 1;
  entry e = { tl_arena_strndup(&t->text, s, n), (uint32_t)n, h };
  tl_vec_push(t->e, e);
  *sl = (uint32_t)t->e.n;
  if (t->e.n * 2 > t->mask) grow(t);
  return (uint32_t)t->e.n - 1;
}

uint32_t tl_str_find(const tl_strtab *t, const char *s, size_t n) {
  uint32_t *sl = lookup(t, s, n, hash(s, n));
  return *sl ? *sl - 1 : UINT32_MAX;
}

const char *tl_str_get(const tl_strtab *t, uint32_t id, size_t *len) {
  if (len) *len = t->e.v[id].len;
  return t->e.v[id].s;
}
