/*
** thread.h: starting a helper thread on a core its creator is not using.
**
** Every thread Tally starts (loader parts, split checks, crediting and
** payee ranges, the payout writer, the prefault helper) is started here.
** The kernel puts a new thread on its creator's core whenever the other
** cores are busy at that moment, as they often are on two cores with the
** prefault helper running; the new thread then waits behind its creator
** for up to a scheduler tick (4 ms here) even after another core goes
** idle (doc/performance.md, thirteenth pass).  So a thread is started
** confined to the cores its creator may use other than the one it is on,
** and, once running, lets itself be moved to any of them again: placing it
** is all this does, and it never keeps it off a core that is idle later.
** With a single core to use, or where the system refuses the placement, the
** thread is started as pthread_create would.  Nothing about a thread's work
** depends on where it runs.
*/
#ifndef TL_RUNTIME_THREAD_H
#define TL_RUNTIME_THREAD_H

#include <pthread.h>

/* pthread_create(t, NULL, fn, arg), placed as above: 0 or an error number. */
int tl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
