/*
** strtab.c: interned strings (see ledger.h).
**
** Ids are dense and given in order of first appearance, so callers can index
** arrays by them.  A ledger interns every deal id, so the table must stay
** small and fast at ten million strings:
**   - the text is packed, NUL-terminated, into one buffer, and an id is just
**     its offset there (its length is the distance to the next one); so at
**     most 4 GiB of distinct text, past which interning runs out of memory;
**   - the open-addressed table (linear probing, at most 3/4 full) keeps the
**     hash beside the id in each slot, so a probe that misses never touches
**     the string: inserting a new key costs one cache miss, and callers can
**     prefetch that one (tl_str_prefetch).
** The buffer moves when it grows, so a pointer from tl_str_get is good until
** the next tl_str_intern.  The empty string is always id 0, so an empty text
** cell has a readable id too.
*/
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "hugepage.h"
#include "ledger.h"

struct tl_strtab {
  char *text;                   /* every string, each followed by a NUL */
  size_t used, cap;
  uint32_t *off;                /* id -> offset in text; off[n] == used */
  uint32_t n, ncap;             /* ids, room in off (ncap + 1 entries) */
  uint64_t *slot;               /* hash << 32 | (id + 1), or 0 when free */
  uint32_t mask;
};

/* Grow an array of *cap bytes to at least want bytes, doubling. */
static void *grow_to(void *p, size_t *cap, size_t want) {
  size_t c = *cap ? *cap : 4096;
  while (c < want) c *= 2;
  if (c == *cap) return p;
  p = tl_realloc(p, c);
  tl_hugepage(p, c);
  *cap = c;
  return p;
}

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
  size_t bytes = 0;
  t->off = grow_to(NULL, &bytes, 64 * sizeof *t->off);
  t->ncap = (uint32_t)(bytes / sizeof *t->off);
  t->off[0] = 0;
  t->mask = 63;
  t->slot = tl_calloc(t->mask + 1, sizeof *t->slot);
  tl_str_intern(t, "", 0);
  return t;
}

void tl_strtab_free(tl_strtab *t) {
  if (!t) return;
  tl_free(t->text);
  tl_free(t->off);
  tl_free(t->slot);
  tl_free(t);
}

static size_t len_of(const tl_strtab *t, uint32_t id) { return t->off[id + 1] - t->off[id] - 1; }

static uint64_t *lookup(const tl_strtab *t, const char *s, size_t n, uint32_t h) {
  for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
    uint64_t *sl = &t->slot[i];
    uint64_t v = *sl;
    if (v == 0) return sl;
    if ((uint32_t)(v >> 32) != h) continue;
    uint32_t id = (uint32_t)v - 1;
    if (len_of(t, id) == n && memcmp(t->text + t->off[id], s, n) == 0) return sl;
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

uint32_t tl_str_intern(tl_strtab *t, const char *s, size_t n) {
  return tl_str_intern_h(t, s, n, tl_str_hash(s, n));
}

uint32_t tl_str_intern_h(tl_strtab *t, const char *s, size_t n, uint32_t h) {
  uint64_t *sl = lookup(t, s, n, h);
  if (*sl) return (uint32_t)*sl - 1;
  uint32_t id = t->n;
  if (t->used + n + 1 > UINT32_MAX || id == UINT32_MAX - 1) tl_realloc(t->text, SIZE_MAX);
  if (t->used + n + 1 > t->cap) t->text = grow_to(t->text, &t->cap, t->used + n + 1);
  if (id + 1 >= t->ncap) {
    size_t bytes = (size_t)t->ncap * sizeof *t->off;
    t->off = grow_to(t->off, &bytes, ((size_t)id + 2) * sizeof *t->off);
    t->ncap = (uint32_t)(bytes / sizeof *t->off);
  }
  if (n) memcpy(t->text + t->used, s, n);
  t->text[t->used + n] = 0;
  t->used += n + 1;
  t->off[id + 1] = (uint32_t)t->used;
  t->n = id + 1;
  *sl = (uint64_t)h << 32 | (uint64_t)(id + 1);
  if ((uint64_t)t->n * 4 > (uint64_t)t->mask * 3) grow(t);
  return id;
}

void tl_str_prefetch(const tl_strtab *t, const char *s, size_t n) {
  tl_str_prefetch_h(t, tl_str_hash(s, n));
}

void tl_str_prefetch_h(const tl_strtab *t, uint32_t h) {
  __builtin_prefetch(&t->slot[h & t->mask]);
}

uint32_t tl_str_find(const tl_strtab *t, const char *s, size_t n) {
  return tl_str_find_h(t, s, n, tl_str_hash(s, n));
}

uint32_t tl_str_find_h(const tl_strtab *t, const char *s, size_t n, uint32_t h) {
  uint64_t *sl = lookup(t, s, n, h);
  return *sl ? (uint32_t)*sl - 1 : UINT32_MAX;
}

const char *tl_str_get(const tl_strtab *t, uint32_t id, size_t *len) {
  if (len) *len = len_of(t, id);
  return t->text + t->off[id];
}
