/*
** fuzz_parser.c: libFuzzer target for the whole front end: any bytes as a
** plan go through the scanner, parser, checker and compiler, and the
** formatter-independent disassembler, which must never crash or leak.
*/
#include <stdint.h>
#include <stdio.h>

#include "lang/front.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  tl_diags *d = tl_diags_new();
  tl_diag_source(d, "fuzz.tally", (const char *)data, size);
  tl_program *p = tl_front("fuzz.tally", (const char *)data, size, d, NULL);
  FILE *null = fopen("/dev/null", "w");
  if (p && null) tl_prog_disasm(p, (const char *)data, size, null);
  if (null) {
    tl_diag_print(d, null, TL_DIAG_TEXT);
    tl_diag_print(d, null, TL_DIAG_JSON);
    fclose(null);
  }
  tl_prog_free(p);
  tl_diags_free(d);
  return 0;
}
