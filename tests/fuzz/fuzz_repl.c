/*
** fuzz_repl.c: libFuzzer target for `tally repl` sessions.  The input is a
** session script, as in tests/repl/: commands, expressions, what-ifs
** (:set, :cancel, :add deal), :explain, :why, :diff, one per line.  Its
** first line picks the plan and ledger the session starts with, when it is
** one of the headers of tests/repl/ (else examples/enterprise-ae); paths are
** the repository's, so run it from the top folder, as `make fuzz` and
** `make test` do.  No command may crash or leak, whatever the script.
**
** The REPL is not in libtally (it lives in cli/, as it talks to a
** terminal), so this target compiles it in.
*/
#include "cli/repl.c"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct { const char *header, *plan, *data; } starts[] = {
  { "# tally repl", NULL, NULL },
  { "# tally repl examples/enterprise-ae/plan.tally --data examples/enterprise-ae/data",
    "examples/enterprise-ae/plan.tally", "examples/enterprise-ae/data" },
#define ACCEPTANCE(d) \
  { "# tally repl tests/acceptance/" d "/plan.tally --data tests/acceptance/" d, \
    "tests/acceptance/" d "/plan.tally", "tests/acceptance/" d }
  ACCEPTANCE("a1-flat-monthly"), ACCEPTANCE("a2-marginal-cumulative"),
  ACCEPTANCE("a4-curve-bonus"), ACCEPTANCE("a5-splits-spif"), ACCEPTANCE("a6-clawback"),
  ACCEPTANCE("a7-draw"), ACCEPTANCE("a8-fx"),
#undef ACCEPTANCE
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  size_t first = 0;
  while (first < size && text[first] != '\n') first++;
  int pick = 1;
  for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
    if (strlen(starts[i].header) == first && memcmp(text, starts[i].header, first) == 0)
      pick = (int)i;
  /* fmemopen of no bytes fails: an empty script reads from an empty file */
  FILE *in = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
  FILE *out = fopen("/dev/null", "w");
  if (in && out) (void)tl_repl_main(starts[pick].plan, starts[pick].data, in, out, false, 1);
  if (in) fclose(in);
  if (out) fclose(out);
  return 0;
}
