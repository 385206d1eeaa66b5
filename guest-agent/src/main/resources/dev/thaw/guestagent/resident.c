/* The resident runner: an interpreter the image keeps loaded (/etc/thaw/resident, one
 * argv element per line), started at boot so that it is already waiting inside every
 * snapshot. The agent hands it each program's working directory and three descriptors
 * over a Unix socket; the runner forks a child per program and reports PID and EXIT. */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_TIMEOUT_MS 60000
#define PID_TIMEOUT_MS 10000

static int sock = -1;
static pid_t runner = -1;
static int ready;
static char line[256];
static size_t line_len;

int resident_ready(void) { return ready; }
int resident_pid(void) { return runner; }
int resident_socket(void) { return sock; }

void resident_lost(int pid) {
    log_msg("resident runner (pid %d) exited", pid);
    ready = 0;
    runner = -1;
}

static char **read_argv(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char **argv = calloc(64, sizeof *argv);
    char item[1024];
    int n = 0;
    while (n < 63 && fgets(item, sizeof item, f)) {
        item[strcspn(item, "\n")] = 0;
        if (item[0]) argv[n++] = strdup(item);
    }
    fclose(f);
    return argv;
}

/* Reads one '\n'-terminated line from the runner. Returns 1 with it in `line`, 0 if it
 * is not complete yet (nothing to read before the timeout), -1 if the runner is gone. */
static int read_line(int timeout_ms) {
    for (;;) {
        char *nl = memchr(line, '\n', line_len);
        if (nl) return 1;
        struct pollfd pfd = {sock, POLLIN, 0};
        int rc = poll(&pfd, 1, timeout_ms);
        if (rc == 0) return 0;
        if (rc < 0 && errno == EINTR) continue;
        ssize_t got = rc < 0 ? -1 : read(sock, line + line_len, sizeof line - 1 - line_len);
        if (got <= 0) return -1;
        line_len += (size_t)got;
        timeout_ms = 0; /* once data flows, only take what is there */
    }
}

static void consume_line(void) {
    char *nl = memchr(line, '\n', line_len);
    size_t used = (size_t)(nl - line) + 1;
    memmove(line, line + used, line_len - used);
    line_len -= used;
}

static void exec_runner(char **argv, int fd) {
    setsid();
    signal(SIGPIPE, SIG_DFL);
    dup2(fd, 3);
    syscall(SYS_close_range, 4, ~0u, 0);
    if ((cfg.use_chroot && (chroot(cfg.root) != 0 || chdir("/") != 0)) ||
        (cfg.drop_privileges && (setgroups(0, NULL) != 0 || setgid(SANDBOX_GID) != 0 || setuid(SANDBOX_UID) != 0))) {
        log_msg("cannot enter the sandbox for the resident runner: %s", strerror(errno));
        _exit(126);
    }
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8", NULL};
    execve(argv[0], argv, envp);
    log_msg("cannot execute resident runner %s: %s", argv[0], strerror(errno));
    _exit(127);
}

int resident_start(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/etc/thaw/resident", cfg.root);
    char **argv = read_argv(path);
    if (!argv) return 0; /* this image has no resident runner */
    int sv[2];
    if (!argv[0] || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    runner = fork();
    if (runner == 0) exec_runner(argv, sv[1]);
    close(sv[1]);
    sock = sv[0];
    if (runner < 0 || read_line(READY_TIMEOUT_MS) != 1 || strncmp(line, "READY\n", 6) != 0) {
        log_msg("resident runner %s did not report READY", argv[0]);
        return -1;
    }
    consume_line();
    ready = 1;
    return 0;
}

int resident_submit(const char *workdir, const char *code_file, int fds[3], pid_t *pid,
                    char *failure, size_t flen) {
    if (!ready) {
        snprintf(failure, flen, "this image's resident runner is not running (see the guest console)");
        return -1;
    }
    struct buf msg = {0};
    buf_put(&msg, "RUN", 4);
    buf_put(&msg, workdir, strlen(workdir) + 1);
    buf_put(&msg, code_file, strlen(code_file) + 1);
    char control[CMSG_SPACE(3 * sizeof(int))] = {0};
    struct iovec iov = {msg.data, msg.len};
    struct msghdr hdr = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&hdr);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(3 * sizeof(int));
    memcpy(CMSG_DATA(cmsg), fds, 3 * sizeof(int));
    ssize_t sent = sendmsg(sock, &hdr, MSG_NOSIGNAL);
    buf_free(&msg);
    int got = sent < 0 ? -1 : read_line(PID_TIMEOUT_MS);
    if (got != 1 || sscanf(line, "PID %d", pid) != 1 || *pid <= 0) {
        snprintf(failure, flen, "the resident runner did not start the program (%s)",
                 got < 0 ? "it exited" : "no PID reply");
        ready = got >= 0;
        return -1;
    }
    consume_line();
    return 0;
}

int resident_read_exit(int *status) {
    int got = read_line(0);
    if (got < 0) {
        ready = 0;
        return -1;
    }
    if (got == 0) return 0;
    int ok = sscanf(line, "EXIT %d", status) == 1;
    consume_line();
    return ok ? 1 : 0;
}
