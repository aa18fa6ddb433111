/*
 * The reference client for bench/link.bench.ts: libimobiledevice's own C AFC client pulling every
 * file under /DCIM, lock-step (one request at a time, 1 MiB reads), as afcclient and the
 * libimobiledevice-based tools do. Prints one JSON line: {"files":N,"bytes":B,"seconds":S}.
 *
 * Declares the few functions it calls itself (libimobiledevice 1.3.0 ABI) so that only the
 * runtime library (libimobiledevice6, from libimobiledevice-utils) is needed, not the -dev package:
 *   cc -O2 -o afc-pull bench/afc-pull.c -l:libimobiledevice-1.0.so.6
 * Run with USBMUXD_SOCKET_ADDRESS pointing at the simulator. Argument: an output folder, or "-"
 * to discard the bytes (a bare pull).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct idevice_private *idevice_t;
typedef struct afc_client_private *afc_client_t;
int idevice_new(idevice_t *device, const char *udid);
int idevice_free(idevice_t device);
int afc_client_start_service(idevice_t device, afc_client_t *client, const char *label);
int afc_client_free(afc_client_t client);
int afc_read_directory(afc_client_t client, const char *path, char ***list);
int afc_get_file_info(afc_client_t client, const char *path, char ***info);
int afc_dictionary_free(char **dictionary);
int afc_file_open(afc_client_t client, const char *path, int mode, uint64_t *handle);
int afc_file_read(afc_client_t client, uint64_t handle, char *data, uint32_t length, uint32_t *bytes_read);
int afc_file_close(afc_client_t client, uint64_t handle);
#define AFC_FOPEN_RDONLY 1
#define CHUNK (1024 * 1024)

static afc_client_t afc;
static const char *out_dir;
static char *buf;
static uint64_t total_bytes, total_files;

static int is_dir(const char *path) {
  char **info = NULL;
  int dir = 0;
  if (afc_get_file_info(afc, path, &info) != 0 || !info) return -1;
  for (int i = 0; info[i] && info[i + 1]; i += 2)
    if (strcmp(info[i], "st_ifmt") == 0) dir = strcmp(info[i + 1], "S_IFDIR") == 0;
  afc_dictionary_free(info);
  return dir;
}

static int pull(const char *path, const char *name) {
  uint64_t handle = 0;
  if (afc_file_open(afc, path, AFC_FOPEN_RDONLY, &handle) != 0) return fprintf(stderr, "open %s failed\n", path), -1;
  FILE *f = NULL;
  if (strcmp(out_dir, "-") != 0) {
    char target[4096];
    snprintf(target, sizeof target, "%s/%s", out_dir, name);
    if (!(f = fopen(target, "wb"))) return fprintf(stderr, "cannot write %s\n", target), -1;
  }
  for (;;) {
    uint32_t got = 0;
    if (afc_file_read(afc, handle, buf, CHUNK, &got) != 0) return fprintf(stderr, "read %s failed\n", path), -1;
    if (got == 0) break;
    total_bytes += got;
    if (f && fwrite(buf, 1, got, f) != got) return fprintf(stderr, "write failed\n"), -1;
  }
  if (f) fclose(f);
  afc_file_close(afc, handle);
  total_files++;
  return 0;
}

static int walk(const char *dir) {
  char **list = NULL;
  if (afc_read_directory(afc, dir, &list) != 0 || !list) return fprintf(stderr, "list %s failed\n", dir), -1;
  int rc = 0;
  for (int i = 0; list[i] && rc == 0; i++) {
    if (list[i][0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, list[i]);
    int d = is_dir(path);
    rc = d < 0 ? -1 : d ? walk(path) : pull(path, list[i]);
  }
  afc_dictionary_free(list);
  return rc;
}

int main(int argc, char **argv) {
  out_dir = argc > 1 ? argv[1] : "-";
  buf = malloc(CHUNK);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  idevice_t device = NULL;
  if (idevice_new(&device, NULL) != 0) return fprintf(stderr, "no device\n"), 1;
  if (afc_client_start_service(device, &afc, "afc-pull") != 0) return fprintf(stderr, "cannot start AFC\n"), 1;
  int rc = walk("/DCIM");
  afc_client_free(afc);
  idevice_free(device);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("{\"files\":%llu,\"bytes\":%llu,\"seconds\":%.3f}\n", (unsigned long long)total_files, (unsigned long long)total_bytes, secs);
  return rc == 0 ? 0 : 1;
}
