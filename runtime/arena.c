/*
** arena.c: the single allocator and bump arenas (see arena.h).
*/
#include "arena.h"
#include "prefault.h"

#include <stdbool.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void default_oom(void) {
  fputs("tally: out of memory\n", stderr);
  abort();
}

static void (*oom_handler)(void) = default_oom;
static unsigned long fail_countdown;
/* The memory budget: bytes held through tl_realloc, counted with the
** allocator's own idea of block sizes so frees need no bookkeeping.  Updated
** atomically, as loader threads allocate too (a race between two threads at
** the limit may let one block through: the budget is a guard, not a quota). */
static size_t mem_limit, mem_used;

void tl_set_memory_limit(size_t bytes) { mem_limit = bytes; }
size_t tl_memory_limit(void) { return mem_limit; }

void tl_set_oom(void (*handler)(void)) { oom_handler = handler ? handler : default_oom; }
void tl_fail_alloc_after(unsigned long n) { fail_countdown = n; }

/* Both allocation paths: realloc(p, n), or calloc(n, 1) when zero is set.
** calloc, not malloc and memset: a big block comes fresh from mmap, already
** zero, and memset would fault in every page of it at once. */
static void *get(void *p, size_t n, bool zero, bool ahead) {
  size_t old = p && mem_limit ? malloc_usable_size(p) : 0;
  void *q = NULL;
  bool over = mem_limit && __atomic_load_n(&mem_used, __ATOMIC_RELAXED) - old + n > mem_limit;
  if (!over && (__atomic_load_n(&fail_countdown, __ATOMIC_RELAXED) == 0
                || __atomic_sub_fetch(&fail_countdown, 1, __ATOMIC_RELAXED) != 0))
    q = zero ? calloc(n, 1) : realloc(p, n);
  if (q == NULL) oom_handler();
  if (mem_limit) __atomic_add_fetch(&mem_used, malloc_usable_size(q) - old, __ATOMIC_RELAXED);
  if (ahead && n >= TL_PREFAULT_MIN) tl_prefault(q, n, false);
  return q;
}

void *tl_realloc(void *p, size_t n) {
  if (n == 0) {
    if (p && mem_limit) __atomic_sub_fetch(&mem_used, malloc_usable_size(p), __ATOMIC_RELAXED);
    free(p);
    return NULL;
  }
  return get(p, n, false, true);
}

void *tl_alloc(size_t n) { return tl_realloc(NULL, n ? n : 1); }

void *tl_realloc_lazy(void *p, size_t n) { return n ? get(p, n, false, false) : tl_realloc(p, 0); }

static void *zeroed(size_t count, size_t size, bool ahead) {
  if (size && count > (size_t)-1 / size) oom_handler();
  size_t n = count * size;
  return get(NULL, n ? n : 1, true, ahead);
}

void *tl_calloc(size_t count, size_t size) { return zeroed(count, size, true); }
void *tl_calloc_lazy(size_t count, size_t size) { return zeroed(count, size, false); }

void tl_free(void *p) {
  if (p && mem_limit) __atomic_sub_fetch(&mem_used, malloc_usable_size(p), __ATOMIC_RELAXED);
  free(p);
}

char *tl_strndup(const char *s, size_t n) {
  char *d = tl_alloc(n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *tl_strdup(const char *s) { return tl_strndup(s, strlen(s)); }

struct tl_arena_block {
  tl_arena_block *next;
  size_t cap;
  _Alignas(16) unsigned char data[];
};

void tl_arena_init(tl_arena *a) { a->head = NULL; a->used = a->cap = 0; }

void *tl_arena_alloc(tl_arena *a, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (a->head == NULL || a->used + n > a->cap) {
    size_t cap = n > 8192 ? n : 8192;
    tl_arena_block *b = tl_alloc(sizeof *b + cap);
    b->next = a->head;
    b->cap = cap;
    a->head = b;
    a->used = 0;
    a->cap = cap;
  }
  void *p = a->head->data + a->used;
  a->used += n;
  memset(p, 0, n);
  return p;
}

char *tl_arena_strndup(tl_arena *a, const char *s, size_t n) {
  char *d = tl_arena_alloc(a, n + 1);
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

void tl_arena_free(tl_arena *a) {
  tl_arena_block *b = a->head;
  while (b) {
    tl_arena_block *next = b->next;
    tl_free(b);
    b = next;
  }
  tl_arena_init(a);
}
