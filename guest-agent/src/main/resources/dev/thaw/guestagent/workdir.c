/* Each run gets a fresh working directory /tmp/thaw/run-N (mode 0700, owned by the sandbox
 * user) holding the code file and, for the resident runner, the environment. */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned run_counter;

static void workdir_paths(struct workdir *w, unsigned n, const char *code_file) {
    snprintf(w->guest, sizeof w->guest, "/tmp/thaw/run-%u", n);
    snprintf(w->host, sizeof w->host, "%s%s", cfg.root, w->guest);
    snprintf(w->visible, sizeof w->visible, "%s", cfg.use_chroot ? w->guest : w->host);
    snprintf(w->code, sizeof w->code, "%s/%s", w->visible, code_file);
}

/* EEXIST is expected: the directory may have been made ahead of time (below), then still
 * owned by root so that an earlier program cannot plant files in it. */
static int make_workdir(const struct workdir *w, int give_away) {
    char parent[512];
    snprintf(parent, sizeof parent, "%s/tmp/thaw", cfg.root);
    if (mkdir(parent, 0711) != 0 && errno != EEXIST) return -1;
    if (mkdir(w->host, 0700) != 0 && errno != EEXIST) return -1;
    return give_away && cfg.drop_privileges ? chown(w->host, SANDBOX_UID, SANDBOX_GID) : 0;
}

/* Creates the next run's working directory ahead of time: the one made at boot is part of
 * the snapshot, so a restored guest's first run skips that file system work. */
void prepare_next_workdir(void) {
    struct workdir next;
    workdir_paths(&next, run_counter + 1, "");
    if (make_workdir(&next, 0) != 0) log_msg("cannot prepare %s: %s", next.host, strerror(errno));
}

static int write_file(const char *path, const void *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t put = write(fd, p, len);
        if (put <= 0) {
            close(fd);
            return -1;
        }
        p += put;
        len -= (size_t)put;
    }
    if (cfg.drop_privileges && fchown(fd, SANDBOX_UID, SANDBOX_GID) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

static int same_name(const char *a, const char *b) {
    size_t n = strcspn(a, "=");
    return strncmp(a, b, n) == 0 && (b[n] == '=' || b[n] == 0);
}

/* The defaults of PROTOCOL.md, then the request's entries; a later entry for a name
 * replaces an earlier one (execve would pass both, and getenv finds the first). */
static void build_env(const struct workdir *w, const struct run_request *req, struct buf *env) {
    char home[600], tmpdir[600];
    snprintf(home, sizeof home, "HOME=%s", w->visible);
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", w->visible);
    const char *defaults[] = {"PATH=/usr/local/bin:/usr/bin:/bin", home, tmpdir, "LANG=C.UTF-8"};
    uint32_t n = 4 + req->envc;
    const char **all = calloc(n, sizeof *all);
    if (!all) abort();
    for (uint32_t i = 0; i < n; i++) all[i] = i < 4 ? defaults[i] : req->env[i - 4];
    for (uint32_t i = 0; i < n; i++) {
        int replaced = !strchr(all[i], '=');
        for (uint32_t j = i + 1; j < n && !replaced; j++) replaced = same_name(all[i], all[j]);
        if (!replaced) buf_put(env, all[i], strlen(all[i]) + 1);
    }
    free(all);
}

/* The program's own arguments, which are all of a resident RUN's argv (the runner has its own
 * command), NUL-separated in .thaw-args: a resident runner gets no argv of its own per
 * program. No arguments, no file: one file creation less on the way to the program. */
static int write_args(const struct workdir *w, const struct run_request *req) {
    char path[1100];
    struct buf args = {0};
    if (req->argc == 0) return 0;
    for (uint32_t i = 0; i < req->argc; i++) buf_put(&args, req->argv[i], strlen(req->argv[i]) + 1);
    snprintf(path, sizeof path, "%s/.thaw-args", w->host);
    int rc = write_file(path, args.data, args.len);
    buf_free(&args);
    return rc;
}

int prepare_workdir(struct workdir *w, const struct run_request *req, struct buf *env, char *failure,
                    size_t flen) {
    char path[1100];
    workdir_paths(w, ++run_counter, req->code_file);
    if (make_workdir(w, 1) != 0) {
        snprintf(failure, flen, "cannot create working directory %s: %s", w->host, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", w->host, req->code_file);
    if (write_file(path, req->code, req->code_len) != 0) {
        snprintf(failure, flen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    build_env(w, req, env);
    if (!(req->flags & RUN_RESIDENT)) return 0;
    snprintf(path, sizeof path, "%s/.thaw-env", w->host);
    if (write_file(path, env->data, env->len) != 0 || write_args(w, req) != 0) {
        snprintf(failure, flen, "cannot write %s or .thaw-args: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
