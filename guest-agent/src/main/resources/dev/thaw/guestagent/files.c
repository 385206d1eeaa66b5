/* PUT_FILE and GET_FILE: files of the guest's root filesystem, written and read by a child
 * that has entered the sandbox (chroot, then the sandbox user) exactly as programs do, so
 * that a program's symlinks or permissions give the host's requests no more reach than the
 * program itself has. The child reports on a pipe: one status byte (0 ok, 1 failed), then
 * the file's bytes or the error message. */
#define _GNU_SOURCE
#include "agent.h"
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_FILE (16u << 20)

static int write_all(int fd, const void *data, size_t len) {
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t put = write(fd, p, len);
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) return -1;
        p += put;
        len -= (size_t)put;
    }
    return 0;
}

static void child_fail(int out, const char *what, const char *path) {
    char msg[600];
    int n = snprintf(msg, sizeof msg, "%c%s %s: %s", 1, what, path, strerror(errno));
    write_all(out, msg, (size_t)n);
    _exit(1);
}

static void enter_sandbox(int out) {
    if ((cfg.use_chroot && chroot(cfg.root) != 0) || chdir(cfg.use_chroot ? "/" : cfg.root) != 0 ||
        (cfg.drop_privileges && (setgroups(0, NULL) != 0 || setgid(SANDBOX_GID) != 0 || setuid(SANDBOX_UID) != 0)))
        child_fail(out, "cannot enter the sandbox for", "/");
}

/* Creates the parents of path (as the sandbox user); existing ones are fine. */
static void make_parents(const char *path, int out) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = 0;
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) child_fail(out, "cannot create directory", dir);
        *slash = '/';
    }
}

static void child_put(const char *path, uint32_t mode, const uint8_t *data, uint32_t len, int out) {
    enter_sandbox(out);
    const char *rel = path + 1; /* relative to the chroot's / (or the host-mode root) */
    make_parents(rel[0] ? rel : ".", out);
    int fd = open(rel, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
    if (fd < 0) child_fail(out, "cannot open", path);
    if (write_all(fd, data, len) != 0 || close(fd) != 0) child_fail(out, "cannot write", path);
    uint8_t ok = 0;
    write_all(out, &ok, 1);
    _exit(0);
}

static void child_get(const char *path, int out) {
    enter_sandbox(out);
    int fd = open(path[1] ? path + 1 : ".", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) child_fail(out, "cannot open", path);
    if (!S_ISREG(st.st_mode)) {
        errno = EISDIR;
        child_fail(out, "not a regular file:", path);
    }
    if ((uint64_t)st.st_size > MAX_FILE) {
        errno = EFBIG;
        child_fail(out, "larger than 16 MiB:", path);
    }
    uint8_t ok = 0, chunk[65536];
    write_all(out, &ok, 1);
    for (ssize_t n; (n = read(fd, chunk, sizeof chunk)) > 0;) write_all(out, chunk, (size_t)n);
    _exit(0);
}

/* Runs one file operation in a child; on success *reply holds what it wrote after the status byte. */
static int in_child(const char *path, uint32_t mode, const uint8_t *data, uint32_t len, int put, struct buf *reply) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (put) child_put(path, mode, data, len, fds[1]);
        child_get(path, fds[1]);
    }
    close(fds[1]);
    uint8_t chunk[65536];
    for (ssize_t n; (n = read(fds[0], chunk, sizeof chunk)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        buf_put(reply, chunk, (size_t)n);
    }
    close(fds[0]);
    int status;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return pid > 0 && reply->len > 0 && reply->data[0] == 0 ? 0 : -1;
}

static int valid_path(const char *path) {
    if (!path || path[0] != '/' || strlen(path) > 4000) return 0;
    for (const char *p = path; (p = strstr(p, "/..")); p += 3)
        if (p[3] == '/' || p[3] == 0) return 0;
    return 1;
}

static void report_failure(const char *what, const char *path, const struct buf *reply) {
    if (reply->len > 1) channel_send_failure("%.*s", (int)(reply->len - 1), (const char *)reply->data + 1);
    else channel_send_failure("%s %s failed: %s", what, path, strerror(errno));
}

void handle_put_file(struct reader *r) {
    char *path = rd_string(r);
    uint32_t mode = rd_u32(r), len;
    const uint8_t *data = rd_bytes(r, &len);
    struct buf reply = {0};
    if (r->err || r->left) channel_send_failure("malformed PUT_FILE: its fields do not match PROTOCOL.md");
    else if (!valid_path(path)) channel_send_failure("PUT_FILE path must be absolute without '..', got \"%s\"", path);
    else if (in_child(path, mode, data, len, 1, &reply) != 0) report_failure("writing", path, &reply);
    else channel_write_frame(MSG_FILE_STORED, NULL);
    buf_free(&reply);
    free(path);
}

void handle_get_file(struct reader *r) {
    char *path = rd_string(r);
    struct buf reply = {0};
    if (r->err || r->left) {
        channel_send_failure("malformed GET_FILE: it takes a path");
    } else if (!valid_path(path)) {
        channel_send_failure("GET_FILE path must be absolute without '..', got \"%s\"", path);
    } else if (in_child(path, 0, NULL, 0, 0, &reply) != 0) {
        report_failure("reading", path, &reply);
    } else {
        struct buf body = {0};
        buf_bytes(&body, reply.data + 1, reply.len - 1);
        channel_write_frame(MSG_FILE_DATA, &body);
        buf_free(&body);
    }
    buf_free(&reply);
    free(path);
}
