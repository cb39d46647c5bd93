/*
** strtab.c: interned strings (see ledger.h).
**
** Ids are dense and given in order of first appearance, so callers can index
** arrays by them.  A ledger interns every deal id, so the table must stay
** small and fast at ten million strings:
**   - the text is packed, NUL-terminated, into large blocks that never move
**     (no per-string alignment or header);
**   - per id, only a pointer and a length;
**   - the open-addressed table (linear probing, at most 3/4 full) keeps the
**     hash beside the id in each slot, so a probe that misses never touches
**     the string or its entry: inserting a new key costs one cache miss.
** The empty string is always id 0, so an empty text cell has a readable id too.
*/
#include <string.h>

#include "arena.h"
#include "hugepage.h"
#include "ledger.h"

enum { BLOCK_MIN = 4096, BLOCK_MAX = 1 << 20 };

struct tl_strtab {
  char *blk;                    /* the text block being filled */
  size_t used, cap;
  TL_VEC(char *) blocks;        /* every block, to free */
  TL_VEC(const char *) s;       /* id -> text */
  TL_VEC(uint32_t) len;         /* id -> length; grows with s (same cap) */
  uint64_t *slot;               /* hash << 32 | (id + 1), or 0 when free */
  uint32_t mask;
};

/* A multiply-xorshift hash over 8-byte words: ids and codes are short, and
** this reads them a word at a time.  Any good mix will do; ids do not depend
** on it. */
uint32_t tl_str_hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9u;
    h ^= h >> 31;
    s += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x94D049BB133111EBu;
  }
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9u;
  h ^= h >> 32;
  return (uint32_t)h;
}

tl_strtab *tl_strtab_new(void) {
  tl_strtab *t = tl_calloc(1, sizeof *t);
  t->mask = 63;
  t->slot = tl_calloc(t->mask + 1, sizeof *t->slot);
  tl_str_intern(t, "", 0);
  return t;
}

void tl_strtab_free(tl_strtab *t) {
  if (!t) return;
  for (size_t i = 0; i < t->blocks.n; i++) tl_free(t->blocks.v[i]);
  tl_vec_free(t->blocks);
  tl_vec_free(t->s);
  tl_vec_free(t->len);
  tl_free(t->slot);
  tl_free(t);
}

static uint64_t *lookup(const tl_strtab *t, const char *s, size_t n, uint32_t h) {
  for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
    uint64_t *sl = &t->slot[i];
    uint64_t v = *sl;
    if (v == 0) return sl;
    if ((uint32_t)(v >> 32) != h) continue;
    uint32_t id = (uint32_t)v - 1;
    if (t->len.v[id] == n && memcmp(t->s.v[id], s, n) == 0) return sl;
  }
}

static void grow(tl_strtab *t) {
  uint32_t mask = t->mask * 2 + 1;
  size_t bytes = ((size_t)mask + 1) * sizeof(uint64_t);
  uint64_t *slot = tl_alloc(bytes);
  tl_hugepage(slot, bytes);
  memset(slot, 0, bytes);
  for (uint32_t i = 0; i <= t->mask; i++) {
    uint64_t v = t->slot[i];
    if (!v) continue;
    uint32_t j = (uint32_t)(v >> 32) & mask;
    while (slot[j]) j = (j + 1) & mask;
    slot[j] = v;
  }
  tl_free(t->slot);
  t->slot = slot;
  t->mask = mask;
}

static const char *store(tl_strtab *t, const char *s, size_t n) {
  if (t->used + n + 1 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : BLOCK_MIN;
    if (cap > BLOCK_MAX) cap = BLOCK_MAX;
    if (cap < n + 1) cap = n + 1;
    t->blk = tl_alloc(cap);
    tl_vec_push(t->blocks, t->blk);
    t->used = 0;
    t->cap = cap;
  }
  char *d = t->blk + t->used;
  if (n) memcpy(d, s, n);
  d[n] = 0;
  t->used += n + 1;
  return d;
}

uint32_t tl_str_intern(tl_strtab *t, const char *s, size_t n) {
  uint32_t h = tl_str_hash(s, n);
  uint64_t *sl = lookup(t, s, n, h);
  if (*sl) return (uint32_t)*sl - 1;
  uint32_t id = (uint32_t)t->s.n;
  if (t->s.n == t->s.cap) {
    t->s.cap = t->s.cap ? t->s.cap * 2 : 64;
    t->s.v = tl_realloc(t->s.v, t->s.cap * sizeof *t->s.v);
    t->len.v = tl_realloc(t->len.v, t->s.cap * sizeof *t->len.v);
    tl_hugepage(t->s.v, t->s.cap * sizeof *t->s.v);
    tl_hugepage(t->len.v, t->s.cap * sizeof *t->len.v);
  }
  t->s.v[t->s.n++] = store(t, s, n);
  t->len.v[t->len.n++] = (uint32_t)n;
  *sl = (uint64_t)h << 32 | (uint64_t)(id + 1);
  if ((uint64_t)t->s.n * 4 > (uint64_t)t->mask * 3) grow(t);
  return id;
}

void tl_str_prefetch(const tl_strtab *t, const char *s, size_t n) {
  __builtin_prefetch(&t->slot[tl_str_hash(s, n) & t->mask]);
}

uint32_t tl_str_find(const tl_strtab *t, const char *s, size_t n) {
  uint64_t *sl = lookup(t, s, n, tl_str_hash(s, n));
  return *sl ? (uint32_t)*sl - 1 : UINT32_MAX;
}

const char *tl_str_get(const tl_strtab *t, uint32_t id, size_t *len) {
  if (len) *len = t->len.v[id];
  return t->s.v[id];
}
