/*
** sha256.h: SHA-256 (FIPS 180-4), for the fingerprints of plans and inputs
** that a run records next to its results.
*/
#ifndef TL_RUNTIME_SHA256_H
#define TL_RUNTIME_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct tl_sha256 {
  uint32_t h[8];
  uint64_t len;
  unsigned char buf[64];
  size_t nbuf;
} tl_sha256;

void tl_sha256_init(tl_sha256 *s);
void tl_sha256_update(tl_sha256 *s, const void *data, size_t n);
/* Finish and write 64 lowercase hex digits and a NUL into hex. */
void tl_sha256_hex(tl_sha256 *s, char hex[65]);

#endif
