/*
** test_thread.c: unit tests for runtime/thread.c.
**
** Where the kernel runs a thread is its business, so nothing here asserts a
** core: only that a thread runs its function, that it ends up free to run on
** every core its creator may use (placing it must not confine it), and that
** a creator with a single core still starts threads.
*/
#define _GNU_SOURCE             /* sched_getaffinity, CPU sets */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sched.h>
#include <cmocka.h>

#include "runtime/thread.h"

typedef struct seen {
  int in, out;
  cpu_set_t cores;              /* the thread's, as it runs */
  int got_cores;
} seen;

static void *body(void *arg) {
  seen *s = arg;
  s->out = s->in * 2;
  s->got_cores = pthread_getaffinity_np(pthread_self(), sizeof s->cores, &s->cores);
  return s;
}

static seen run_one(int in) {
  seen s = { .in = in };
  pthread_t t;
  void *ret = NULL;
  assert_int_equal(tl_thread_start(&t, body, &s), 0);
  assert_int_equal(pthread_join(t, &ret), 0);
  assert_ptr_equal(ret, &s);
  assert_int_equal(s.got_cores, 0);
  return s;
}

static void test_runs_its_function(void **state) {
  for (int i = 0; i < 200; i++) assert_int_equal(run_one(i).out, 2 * i);
}

/* Once running, a thread may go to any core its creator may. */
static void test_free_once_running(void **state) {
  cpu_set_t mine;
  assert_int_equal(sched_getaffinity(0, sizeof mine, &mine), 0);
  if (CPU_COUNT(&mine) < 2) skip();
  for (int i = 0; i < 50; i++) {
    seen s = run_one(i);
    assert_true(CPU_EQUAL(&s.cores, &mine));
  }
}

/* A creator confined to one core starts threads there. */
static void test_one_core(void **state) {
  cpu_set_t mine, one;
  assert_int_equal(sched_getaffinity(0, sizeof mine, &mine), 0);
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &mine)) {
      CPU_SET(c, &one);
      break;
    }
  assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
  seen s = run_one(21);
  assert_int_equal(s.out, 42);
  assert_true(CPU_EQUAL(&s.cores, &one));
  assert_int_equal(sched_setaffinity(0, sizeof mine, &mine), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_runs_its_function),
    cmocka_unit_test(test_free_once_running),
    cmocka_unit_test(test_one_core),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
