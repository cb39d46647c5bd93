/*
** test_prefault.c: unit tests for runtime/prefault.c.
**
** Whether a page is in memory is read with mincore: a fresh anonymous
** mapping has none until it is written or faulted in.  Nothing here asserts
** a time; the waits only give a broken helper the chance to show itself.
*/
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/prefault.h"

enum { SIZE = 4 << 20 };

static size_t resident(void *p, size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE), count = 0;
  unsigned char vec[(SIZE + 4095) / 4096];
  assert_true(n / page <= sizeof vec);
  assert_int_equal(mincore(p, n, vec), 0);
  for (size_t i = 0; i < n / page; i++) count += vec[i] & 1;
  return count;
}

static void pause_ms(long ms) {
  struct timespec ts = { 0, ms * 1000000L };
  nanosleep(&ts, NULL);
}

/* Up to about five seconds for all n bytes at p to be in memory. */
static bool all_resident(void *p, size_t n) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  for (int i = 0; i < 500; i++) {
    if (resident(p, n) == n / page) return true;
    pause_ms(10);
  }
  return false;
}

static void test_hold(void **state) {
  if (!tl_prefault_start()) skip();     /* a kernel before 5.14 */
  void *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(p != MAP_FAILED);
  assert_int_equal(resident(p, SIZE), 0);
  tl_prefault_hold(true);
  assert_true(tl_prefault(p, SIZE, false));
  pause_ms(50);
  assert_int_equal(resident(p, SIZE), 0);   /* held: queued, not faulted in */
  tl_prefault_hold(false);
  assert_true(all_resident(p, SIZE));
  /* the same bytes as ever: faulting in writes nothing */
  for (size_t i = 0; i < SIZE; i += 4096) assert_int_equal(((unsigned char *)p)[i], 0);
  munmap(p, SIZE);
  tl_prefault_stop();
}

/* Stopping a held helper ends it; started again, it is not held. */
static void test_stop_held(void **state) {
  if (!tl_prefault_start()) skip();
  tl_prefault_hold(true);
  tl_prefault_stop();
  assert_true(tl_prefault_start());
  void *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(p != MAP_FAILED);
  assert_true(tl_prefault(p, SIZE, false));
  assert_true(all_resident(p, SIZE));
  munmap(p, SIZE);
  tl_prefault_stop();
}

/* tl_prefault_now: every page of a range, given at odd addresses, is in
** memory when it returns, with or without the helper, and no byte moves. */
static void test_now(void **state) {
  for (int helper = 0; helper < 2; helper++) {
    if (helper && !tl_prefault_start()) skip();
    unsigned char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    for (size_t i = 0; i < SIZE; i += 3 * 4096 + 17) p[i] = (unsigned char)(i % 251 + 1);
    size_t before = resident(p, SIZE);
    assert_true(before > 0 && before < SIZE / 4096);
    tl_prefault_now(p + 100, SIZE - 200);
    assert_int_equal(resident(p, SIZE), SIZE / 4096);
    for (size_t i = 0; i < SIZE; i++)
      assert_int_equal(p[i], i % (3 * 4096 + 17) == 0 ? (unsigned char)(i % 251 + 1) : 0);
    munmap(p, SIZE);
    if (helper) tl_prefault_stop();
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hold),
    cmocka_unit_test(test_stop_held),
    cmocka_unit_test(test_now),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
