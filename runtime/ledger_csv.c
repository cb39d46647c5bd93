/*
** ledger_csv.c: loading a ledger from a directory of CSV files (see ledger.h).
**
** Every file is opened before any is read, so a missing or unreadable file is
** reported on its own instead of as a flood of unknown references from the
** tables that needed it.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "ledger.h"

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir);
  if (strcmp(dir, ".") == 0) return tl_strdup(name);
  char *s = tl_alloc(n + strlen(name) + 2);
  memcpy(s, dir, n);
  if (n > 0 && dir[n - 1] != '/') s[n++] = '/';
  strcpy(s + n, name);
  return s;
}

static void io_error(tl_diags *d, const char *path, const char *what, int e) {
  tl_loc loc = { path, 0, 0, 0, 0 };
  tl_diag(d, TL_SEV_ERROR, loc, "io", "cannot %s file: %s", what, strerror(e));
}

/* Read all of fd; NULL with errno set on failure. */
static char *read_all(int fd, size_t *len) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
  char *buf = tl_alloc(cap);
  for (;;) {
    if (n == cap) buf = tl_realloc(buf, cap *= 2);
    ssize_t k = read(fd, buf + n, cap - n);
    if (k == 0) break;
    if (k < 0 && errno == EINTR) continue;
    if (k < 0) {
      int e = errno;
      tl_free(buf);
      errno = e;
      return NULL;
    }
    n += (size_t)k;
  }
  *len = n;
  return buf;
}

/* A regular, non-empty file mapped read-only, or NULL (read it instead).
** Mapping saves copying the file and lets the loader drop pages it has read;
** the kernel reads ahead for a sequential scan. */
static void *map_file(int fd, size_t *len) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) return NULL;
  if ((unsigned long long)st.st_size > (size_t)-1) return NULL;
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) return NULL;
  (void)madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
  *len = (size_t)st.st_size;
  return p;
}

tl_ledger *tl_ldg_load_csv_dir(const char *dir, const tl_ldg_opts *opts, tl_diags *diags) {
  enum { N = TL_TB_COUNT };
  char *path[N];
  int fd[N];
  bool ok = true;
  for (int i = 0; i < N; i++) {
    tl_tableid t = tl_ldg_order[i];
    char name[32];
    snprintf(name, sizeof name, "%s.csv", tl_table_names[t]);
    path[i] = join(dir, name);
    fd[i] = open(path[i], O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd[i] >= 0 && fstat(fd[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      close(fd[i]);
      fd[i] = -1;
      errno = EISDIR;
    }
    if (fd[i] < 0 && (tl_ldg_required(t) || errno != ENOENT)) {
      io_error(diags, path[i], "open", errno);
      ok = false;
    }
  }
  tl_ldg_builder *b = ok ? tl_ldg_begin(opts, diags) : NULL;
  for (int i = 0; i < N; i++) {
    if (fd[i] >= 0 && b) {
      size_t len;
      void *map = map_file(fd[i], &len);
      if (map) {
        tl_ldg_feed_csv_mapped(b, tl_ldg_order[i], path[i], map, len);
        munmap(map, len);
      } else {
        char *data = read_all(fd[i], &len);
        if (data) tl_ldg_feed_csv(b, tl_ldg_order[i], path[i], data, len);
        else io_error(diags, path[i], "read", errno);
        tl_free(data);
      }
    }
    if (fd[i] >= 0) close(fd[i]);
    tl_free(path[i]);
  }
  return b ? tl_ldg_finish(b) : NULL;
}
