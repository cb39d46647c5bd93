/*
** fuzz_repl.c: libFuzzer target for `tally repl` sessions.  The input is a
** session script, as in tests/repl/: commands, expressions, what-ifs
** (:set, :cancel, :add deal), :explain, :why, :diff, one per line.  A first
** line `# tally repl [PLAN] [--data DIR]`, the header of tests/repl/'s
** scripts, starts the session as those arguments would (without one:
** examples/enterprise-ae); paths are relative, so run it from the top
** folder, as `make fuzz` and `make test` do.  No command may crash or leak,
** whatever the script.
*/
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli/repl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The arguments of a `# tally repl` first line of text[0 .. n) into plan
** and dir (NULL for each one missing); false when it is no such line. */
static bool header(const char *text, size_t n, char *buf, size_t cap, const char **plan,
                   const char **dir) {
  static const char tag[] = "# tally repl";
  size_t first = 0;
  while (first < n && text[first] != '\n') first++;
  if (first < sizeof tag - 1 || memcmp(text, tag, sizeof tag - 1) != 0 || first >= cap) return false;
  memcpy(buf, text + sizeof tag - 1, first - (sizeof tag - 1));
  buf[first - (sizeof tag - 1)] = 0;
  *plan = *dir = NULL;
  bool data = false;
  for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
    if (data) *dir = w;
    else if (strcmp(w, "--data") != 0) *plan = w;
    data = strcmp(w, "--data") == 0;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char buf[512];
  const char *plan = "examples/enterprise-ae/plan.tally", *dir = "examples/enterprise-ae/data";
  (void)header((const char *)data, size, buf, sizeof buf, &plan, &dir);
  /* fmemopen of no bytes fails: an empty script reads from an empty file */
  FILE *in = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
  FILE *out = fopen("/dev/null", "w");
  if (in && out) (void)tl_repl_main(plan, dir, in, out, false, 1);
  if (in) fclose(in);
  if (out) fclose(out);
  return 0;
}
