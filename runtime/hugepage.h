/*
** hugepage.h: asking the kernel for transparent huge pages on big arrays.
**
** A ledger of ten million deals fills a few hundred megabytes of column
** arrays and hash slots; with 4 KB pages that is a page fault per 4 KB
** written and a TLB miss per random probe.  Where the kernel offers huge pages
** on request (transparent_hugepage=madvise), tl_hugepage marks the whole
** 2 MB-aligned part of a block for them.  It only advises: nothing changes
** when the kernel says no, and small blocks are left alone.
*/
#ifndef TL_RUNTIME_HUGEPAGE_H
#define TL_RUNTIME_HUGEPAGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

static inline void tl_hugepage(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  enum { HUGE = 2u << 20 };
  if (!p || n < 2 * (size_t)HUGE) return;
  uintptr_t a = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
  uintptr_t z = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE - 1);
  if (z > a) (void)madvise((void *)a, z - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

#endif
