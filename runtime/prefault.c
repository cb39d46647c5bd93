/*
** prefault.c: the prefaulting helper thread (see prefault.h).
*/
#include "prefault.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#include "thread.h"

enum { QUEUE = 64, STEP = 2 << 20, PAGE = 4096 };

typedef struct range { uintptr_t a, z; bool read; } range;

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv, idle;    /* idle: a step ended */
  pthread_t thread;
  bool running, stop, held;
  range q[QUEUE];
  unsigned head, tail;        /* q[head % QUEUE] .. q[(tail - 1) % QUEUE] */
  uintptr_t busy_a, busy_z;   /* the step being faulted in, or empty */
} pf = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
         .idle = PTHREAD_COND_INITIALIZER };

static void *helper(void *arg) {
  (void)arg;
  pthread_mutex_lock(&pf.mu);
  for (;;) {
    while (!pf.stop && (pf.head == pf.tail || pf.held)) pthread_cond_wait(&pf.cv, &pf.mu);
    if (pf.stop) break;
    range *r = &pf.q[pf.head % QUEUE];
    if (r->a == r->z) {         /* emptied by tl_prefault_forget */
      pf.head++;
      continue;
    }
    /* a step at a time, so stop and newer work are seen between steps */
    uintptr_t a = r->a, z = r->z - a > STEP ? a + STEP : r->z;
    bool read = r->read;
    r->a = z;
    if (r->a == r->z) pf.head++;
    pf.busy_a = a;
    pf.busy_z = z;
    pthread_mutex_unlock(&pf.mu);
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
    (void)madvise((void *)a, z - a, read ? MADV_POPULATE_READ : MADV_POPULATE_WRITE);
#else
    (void)read;
#endif
    pthread_mutex_lock(&pf.mu);
    pf.busy_a = pf.busy_z = 0;
    pthread_cond_broadcast(&pf.idle);
  }
  pthread_mutex_unlock(&pf.mu);
  return NULL;
}

bool tl_prefault_start(void) {
#if defined(MADV_POPULATE_WRITE) && defined(MADV_POPULATE_READ)
  if (pf.running) return true;
  /* kernels before 5.14 do not know the advice: then there is nothing to gain */
  static char probe[PAGE] __attribute__((aligned(PAGE)));
  if (madvise(probe, PAGE, MADV_POPULATE_WRITE) != 0) return false;
  pf.stop = pf.held = false;
  pf.head = pf.tail = 0;
  /* The helper takes no signal: one sent to the process must reach a
  ** thread that handles it, such as the REPL's, waiting in readline for
  ** the Ctrl-C that drops a line.  A thread starts with its creator's mask. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = tl_thread_start(&pf.thread, helper, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) return false;
  pf.running = true;
  return true;
#else
  return false;
#endif
}

void tl_prefault_stop(void) {
  if (!pf.running) return;
  pthread_mutex_lock(&pf.mu);
  pf.stop = true;
  pthread_cond_signal(&pf.cv);
  pthread_mutex_unlock(&pf.mu);
  pthread_join(pf.thread, NULL);
  pf.running = false;
}

bool tl_prefault(const void *p, size_t n, bool read) {
  if (!pf.running || !p || n == 0) return false;
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)(PAGE - 1);
  uintptr_t z = ((uintptr_t)p + n + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
  bool queued = false;
  pthread_mutex_lock(&pf.mu);
  if (pf.tail - pf.head < QUEUE) {   /* a full queue drops the request: it is only advice */
    pf.q[pf.tail++ % QUEUE] = (range){ a, z, read };
    pthread_cond_signal(&pf.cv);
    queued = true;
  }
  pthread_mutex_unlock(&pf.mu);
  return queued;
}

void tl_prefault_hold(bool hold) {
  if (!pf.running) return;
  pthread_mutex_lock(&pf.mu);
  pf.held = hold;
  if (!hold) pthread_cond_signal(&pf.cv);
  pthread_mutex_unlock(&pf.mu);
}

void tl_prefault_forget(const void *p, size_t n) {
  if (!pf.running || !p || n == 0) return;
  uintptr_t a = (uintptr_t)p, z = a + n;
  pthread_mutex_lock(&pf.mu);
  for (unsigned i = pf.head; i != pf.tail; i++) {
    range *r = &pf.q[i % QUEUE];
    if (r->a >= a && r->a < z) r->a = r->z < z ? r->z : z;   /* its start: cut off */
    else if (r->z > a && r->z <= z) r->z = r->a > a ? r->a : a;   /* its end */
    else if (r->a < a && r->z > z) r->z = a;   /* around it: the rest is dropped (advice) */
  }
  while (pf.busy_a < z && pf.busy_z > a) pthread_cond_wait(&pf.idle, &pf.mu);
  pthread_mutex_unlock(&pf.mu);
}

void tl_prefault_now(void *p, size_t n) {
  if (!p || n == 0) return;
  uintptr_t a = (uintptr_t)p & ~(uintptr_t)(PAGE - 1), z = (uintptr_t)p + n;
#ifdef MADV_POPULATE_WRITE
  if (madvise((void *)a, z - a, MADV_POPULATE_WRITE) == 0) return;
#endif
  /* an older kernel: a write to each page that keeps its byte (one locked
  ** instruction, so the fault is a write fault from the first) */
  for (uintptr_t q = a < (uintptr_t)p ? (uintptr_t)p : a; q < z; q = (q & ~(uintptr_t)(PAGE - 1)) + PAGE)
    __atomic_fetch_or((unsigned char *)q, 0, __ATOMIC_RELAXED);
}
