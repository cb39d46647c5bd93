/*
** prefault.h: faulting in big fresh memory on another core, ahead of use.
**
** Loading ten million deals writes some 700 MB of fresh column arrays, and
** the kernel must fault in and zero every page of them before the loader's
** first write to it lands: a fifth of a run, on the loader's core.  With a
** helper thread, each big block is faulted in (MADV_POPULATE_WRITE, or
** MADV_POPULATE_READ for a mapped input file) from the other core while the
** loader works on the pages before it.  Prefaulting changes no byte of
** memory, only when the kernel does its work, so results are identical with
** and without it.
**
** Ownership: one process-wide helper, started by tl_prefault_start (the
** command line: --threads) and stopped by tl_prefault_stop.  Without it,
** tl_prefault does nothing.  A range freed or moved while queued is harmless:
** the kernel refuses or prefaults whatever is mapped there now.
*/
#ifndef TL_RUNTIME_PREFAULT_H
#define TL_RUNTIME_PREFAULT_H

#include <stdbool.h>
#include <stddef.h>

/* Start the helper thread; false (and nothing started) if the kernel or the
** system cannot. */
bool tl_prefault_start(void);
/* Drop what is queued and wait for the helper to end. */
void tl_prefault_stop(void);
/* The smallest block worth faulting in ahead: below it the pages are left
** to be faulted in as written, not worth a slot of the helper's queue. */
enum { TL_PREFAULT_MIN = 256 << 10 };
/* Queue [p, p + n) to be faulted in, for writing or (read) for reading.
** False when nothing was queued (no helper, or its queue is full). */
bool tl_prefault(const void *p, size_t n, bool read);
/* While held, the helper starts no new step (what is queued waits).  A
** caller about to map several blocks holds it: each mmap waits for the
** address space, which a step being faulted in holds, so mapping seven
** column arrays while the helper faults in the first waited seven steps. */
void tl_prefault_hold(bool hold);
/* Fault [p, p + n) in for writing, on the calling thread and now, changing
** no byte: for fresh memory that is read before it is written while other
** threads run.  A page first read maps the kernel's shared zero page, and
** the write after it must then replace that mapping and flush it from every
** core the process runs on, an interrupt to each (which in this VM cost
** more than the crediting of a 100k-deal run on two threads).  Works with
** or without the helper. */
void tl_prefault_now(void *p, size_t n);
/* Drop what is queued of [p, p + n), and wait while the helper is faulting
** in any of it: for a caller about to hand those pages back (a mapped file
** read past), which the helper, running late, would otherwise bring back
** in after it, to stay for the rest of the run. */
void tl_prefault_forget(const void *p, size_t n);

#endif
