/*
** thread.c: starting helper threads (see thread.h).
*/
#define _GNU_SOURCE             /* sched_getcpu, CPU sets, thread affinity */
#include "thread.h"

#include <sched.h>

#include "arena.h"

typedef struct start {
  void *(*fn)(void *);
  void *arg;
  cpu_set_t cores;              /* the creator's: where the thread may go once running */
} start;

static void *placed(void *p) {
  start s = *(start *)p;
  tl_free(p);
  (void)pthread_setaffinity_np(pthread_self(), sizeof s.cores, &s.cores);
  return s.fn(s.arg);
}

int tl_thread_start(pthread_t *t, void *(*fn)(void *), void *arg) {
  cpu_set_t cores, others;
  int self = sched_getcpu();
  if (self >= 0 && self < CPU_SETSIZE && pthread_getaffinity_np(pthread_self(), sizeof cores, &cores) == 0
      && CPU_ISSET(self, &cores) && CPU_COUNT(&cores) > 1) {
    others = cores;
    CPU_CLR(self, &others);
    pthread_attr_t a;
    if (pthread_attr_init(&a) == 0) {
      start *s = tl_alloc(sizeof *s);
      *s = (start){ fn, arg, cores };
      int rc = pthread_attr_setaffinity_np(&a, sizeof others, &others) == 0
                   ? pthread_create(t, &a, placed, s) : -1;
      pthread_attr_destroy(&a);
      if (rc == 0) return 0;
      tl_free(s);               /* refused (a cpuset, say): started as it comes */
    }
  }
  return pthread_create(t, NULL, fn, arg);
}
