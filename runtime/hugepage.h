/*
** hugepage.h: asking the kernel for transparent huge pages on big arrays.
**
** A ledger of ten million deals fills a few hundred megabytes of column
** arrays and hash slots; with 4 KB pages that is a page fault per 4 KB
** written and a TLB miss per random probe.  Where the kernel offers huge pages
** on request (transparent_hugepage=madvise), tl_hugepage marks a block for
** them; the kernel uses them for its 2 MB-aligned part.  It only advises:
** nothing changes when the kernel says no, and small blocks are left alone.
** The allocator (arena.c) advises every block it hands out, so callers of
** tl_alloc and friends need not.
*/
#ifndef TL_RUNTIME_HUGEPAGE_H
#define TL_RUNTIME_HUGEPAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

static inline void tl_hugepage(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  /* The whole pages of the block, not just its 2 MB-aligned middle: advice
  ** on part of a mapping splits it in two, and a split mapping can no longer
  ** be grown by mremap, so realloc would copy it. */
  enum { HUGE = 2u << 20, PAGE = 4096 };
  if (!p || n < 2 * (size_t)HUGE) return;
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)(PAGE - 1);
  uintptr_t z = ((uintptr_t)p + n + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
  (void)madvise((void *)a, z - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

#endif
