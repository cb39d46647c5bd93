/*
** replay.c: runs a fuzz target over files named on the command line, so the
** regression inputs found by fuzzing are replayed by `make test` with any
** compiler (no libFuzzer needed).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      perror(argv[i]);
      return 2;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
      n += got;
      if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) return 2;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
  }
  printf("replayed %d inputs\n", argc - 1);
  return 0;
}
