/*
** arena.h: the allocator every module uses, and bump arenas.
**
** All heap memory goes through tl_realloc so that tests can inject failures
** and so there is one place to decide what running out of memory means.  The
** library has no way to continue without memory: tl_realloc calls the handler
** set with tl_set_oom (the CLI's prints "out of memory" and exits 1), and the
** default handler aborts.  A memory budget (tl_set_memory_limit) makes
** allocations past it fail the same way.
**
** An arena hands out memory that is freed all at once; compiler passes keep
** their nodes in one, so no error path can leak.
*/
#ifndef TL_RUNTIME_ARENA_H
#define TL_RUNTIME_ARENA_H

#include <stddef.h>
#include <string.h>

void *tl_realloc(void *p, size_t n);      /* n == 0 frees and returns NULL */
void *tl_alloc(size_t n);                 /* uninitialised */
void *tl_calloc(size_t count, size_t size);
/* Zeroed too, but its pages are left to be faulted in as they are first
** written, not ahead (prefault.h): for a block that fills while another
** empties, so the two are not both in memory whole. */
void *tl_calloc_lazy(size_t count, size_t size);
/* tl_realloc, the new pages left to be faulted in as they are first written:
** for room that may not all be used. */
void *tl_realloc_lazy(void *p, size_t n);
void tl_free(void *p);
char *tl_strndup(const char *s, size_t n);
char *tl_strdup(const char *s);
void tl_set_oom(void (*handler)(void));
/* The memory budget in bytes (0, the default: none).  Going over it is
** running out of memory.  Set it before allocating anything. */
void tl_set_memory_limit(size_t bytes);
size_t tl_memory_limit(void);
/* Tests: make the n-th allocation from now fail (0 = never). */
void tl_fail_alloc_after(unsigned long n);

typedef struct tl_arena_block tl_arena_block;
typedef struct tl_arena { tl_arena_block *head; size_t used, cap; } tl_arena;

void tl_arena_init(tl_arena *a);
void *tl_arena_alloc(tl_arena *a, size_t n);     /* zeroed, 16-byte aligned */
char *tl_arena_strndup(tl_arena *a, const char *s, size_t n);
void tl_arena_free(tl_arena *a);

/* Growable array of T: struct { T *v; size_t n, cap; }. */
#define TL_VEC(T) struct { T *v; size_t n, cap; }
#define tl_vec_push(vec, x) do { \
    if ((vec).n == (vec).cap) { \
      (vec).cap = (vec).cap ? (vec).cap * 2 : 8; \
      (vec).v = tl_realloc((vec).v, (vec).cap * sizeof *(vec).v); \
    } \
    (vec).v[(vec).n++] = (x); \
  } while (0)
/* Append all of vector src to vector dst (of the same element type). */
#define tl_vec_append(dst, src) do { \
    if ((dst).n + (src).n > (dst).cap) { \
      (dst).cap = (dst).n + (src).n; \
      (dst).v = tl_realloc((dst).v, (dst).cap * sizeof *(dst).v); \
    } \
    if ((src).n) memcpy((dst).v + (dst).n, (src).v, (src).n * sizeof *(src).v); \
    (dst).n += (src).n; \
  } while (0)
#define tl_vec_free(vec) do { tl_free((vec).v); (vec).v = NULL; (vec).n = (vec).cap = 0; } while (0)

#endif
