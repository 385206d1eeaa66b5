/* The resident runner: an interpreter the image keeps loaded (/etc/thaw/resident, one argv
 * element per line), started at boot so that it is already waiting inside every snapshot.
 * The agent hands it each program's working directory and three descriptors over a Unix
 * socket (fd 3 in the runner); the runner answers "PID <pid>" and later "EXIT <status>".
 * A runner of the kept-stdio kind (/etc/thaw/resident-stdio says "kept": a runtime that
 * cannot receive descriptors) gets its stdin, stdout and stderr on pipes at boot instead;
 * the agent keeps their other ends and hands them to the guest's last program, which that
 * runner becomes. */
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
#include <time.h>
#include <unistd.h>

/* The agent serves frames while the runner warms up (a first compile under TCG takes minutes
 * for kotlin and scala), so this only ends a runner that hangs. */
#define READY_TIMEOUT_MS 600000
#define PID_TIMEOUT_MS 10000

static int sock = -1;
static pid_t runner = -1;
static int ready;
static int loading;            /* started, READY not yet seen */
static uint64_t loading_since; /* now_us() when it was started */
static int running_in_place; /* the runner has become the guest's last program */
static char gone_reason[200] = "this image has no resident runner (/etc/thaw/resident)";
static char line[256];
static size_t line_len;
static int keeps_stdio;
static struct pipes kept = {{-1, -1, -1}, -1, -1, -1}; /* a kept-stdio runner's stdio */

int resident_ready(void) { return ready; }
int resident_loading(void) { return loading; }
int resident_loading_socket(void) { return loading ? sock : -1; }
int resident_has_line(void) { return memchr(line, '\n', line_len) != NULL; }
int resident_socket(void) { return sock; }

static void runner_gone(const char *why) {
    ready = 0;
    loading = 0;
    running_in_place = 0;
    runner = -1;
    if (sock >= 0) close(sock);
    sock = -1;
    line_len = 0;
    close_pipes(&kept, 1);
    snprintf(gone_reason, sizeof gone_reason, "%s", why);
    log_msg("%s", why);
}

void resident_reaped(pid_t pid, int status) {
    if (runner <= 0 || pid != runner) return;
    if (running_in_place) {
        runner_gone("the resident runner ran the guest's last program (RUN flag last) in place");
        return;
    }
    char how[64], why[160];
    describe_status(status, how, sizeof how);
    snprintf(why, sizeof why, "the resident runner (pid %d) %s", pid, how);
    runner_gone(why);
}

/* The runner's end of the socket closed: it has normally exited; learn how. */
static void runner_lost(void) {
    pid_t pid = runner;
    for (int i = 0; i < 100 && runner == pid && pid > 0; i++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            resident_reaped(pid, status);
            return;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (runner == pid && pid > 0) kill(-pid, SIGKILL); /* alive but deaf: of no use any more */
    runner_gone("the resident runner closed its channel to the agent");
}

/* 1 with a whole line in `line`, 0 if none came within timeout_ms, -1 if the runner closed
 * its end or sent garbage. */
static int read_line(int timeout_ms) {
    uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000u;
    for (;;) {
        if (memchr(line, '\n', line_len)) return 1;
        if (line_len >= sizeof line - 1) return -1;
        uint64_t now = now_us();
        struct pollfd pfd = {sock, POLLIN, 0};
        int rc = poll(&pfd, 1, now < deadline ? (int)((deadline - now) / 1000u) + 1 : 0);
        if (rc == 0) return 0;
        if (rc < 0 && errno == EINTR) continue;
        ssize_t got = rc < 0 ? -1 : read(sock, line + line_len, sizeof line - 1 - line_len);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return -1;
        line_len += (size_t)got;
    }
}

static void consume_line(void) {
    size_t used = (size_t)((char *)memchr(line, '\n', line_len) - line) + 1;
    memmove(line, line + used, line_len - used);
    line_len -= used;
}

static char **read_argv(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char **argv = calloc(64, sizeof *argv);
    char item[1024];
    int n = 0;
    while (argv && n < 63 && fgets(item, sizeof item, f)) {
        item[strcspn(item, "\n")] = 0;
        if (item[0]) argv[n++] = strdup(item);
    }
    fclose(f);
    return argv;
}

/* Whether the image's runner keeps its stdio: /etc/thaw/resident-stdio saying "kept". */
static int wants_kept_stdio(void) {
    char path[512], kind[16] = "";
    snprintf(path, sizeof path, "%s/etc/thaw/resident-stdio", cfg.root);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    if (!fgets(kind, sizeof kind, f)) kind[0] = 0;
    fclose(f);
    if (strcmp(kind, "kept\n") == 0 || strcmp(kind, "kept") == 0) return 1;
    log_msg("ignoring /etc/thaw/resident-stdio: it says \"%s\", not \"kept\"", kind);
    return 0;
}

static void exec_runner(char **argv, int fd) {
    setsid(); /* its own process group, which a program run in place inherits */
    signal(SIGPIPE, SIG_DFL);
    for (int i = 0; keeps_stdio && i < 3; i++) dup2(kept.child[i], i);
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
    int sv[2];
    if (!argv) return 0; /* this image has no resident runner */
    keeps_stdio = wants_kept_stdio();
    if (!argv[0] || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
        (keeps_stdio && open_pipes(&kept) != 0)) {
        runner_gone("the resident runner could not be started (empty /etc/thaw/resident, no socket or no pipes)");
        return -1;
    }
    runner = fork();
    if (runner == 0) exec_runner(argv, sv[1]);
    close(sv[1]);
    close_pipes(&kept, 0);
    sock = sv[0];
    for (int i = 0; argv[i]; i++) free(argv[i]);
    free(argv);
    if (runner < 0) {
        runner_gone("the resident runner could not be started (fork failed)");
        return -1;
    }
    loading = 1;
    loading_since = now_us();
    return 0;
}

/* The boot does not wait for the runner: the agent calls this whenever it waits for the host,
 * and the runner's READY line is taken when it has come. */
void resident_poll_loading(void) {
    if (!loading) return;
    int got = read_line(0);
    if (got == 1 && strncmp(line, "READY\n", 6) == 0) {
        consume_line();
        loading = 0;
        ready = 1;
        log_msg("resident runner loaded after %llu ms", (unsigned long long)((now_us() - loading_since) / 1000u));
    } else if (got < 0) {
        runner_lost();
    } else if (got == 1 || now_us() - loading_since > READY_TIMEOUT_MS * 1000ull) {
        char why[200] = "the resident runner did not say READY within 600 s";
        if (got == 1) {
            line[strcspn(line, "\n")] = 0;
            snprintf(why, sizeof why, "the resident runner said \"%.100s\" instead of READY", line);
        }
        kill(-runner, SIGKILL);
        runner_gone(why);
    }
}

/* A kept-stdio runner's stdin, stdout and stderr, for the program it is about to become:
 * 1 with them in *p (the caller owns them now), 0 if this runner has none to give. What the
 * runner wrote before (while warming up) is not the program's and is dropped. */
int resident_take_stdio(struct pipes *p) {
    if (!keeps_stdio || kept.in < 0) return 0;
    char junk[4096];
    for (int *fd = &kept.out; fd <= &kept.err; fd++)
        while (read(*fd, junk, sizeof junk) > 0) {
        }
    *p = kept;
    kept = (struct pipes){{-1, -1, -1}, -1, -1, -1};
    return 1;
}

/* fds NULL: the message carries no descriptors (a kept-stdio runner's program uses its own). */
static int send_run(const char *workdir, const char *code_file, const char *mode, const int fds[3]) {
    struct buf msg = {0};
    buf_put(&msg, "RUN", 4);
    buf_put(&msg, workdir, strlen(workdir) + 1);
    buf_put(&msg, code_file, strlen(code_file) + 1);
    buf_put(&msg, mode, strlen(mode) + 1);
    char control[CMSG_SPACE(3 * sizeof(int))] = {0};
    struct iovec iov = {msg.data, msg.len};
    struct msghdr hdr = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&hdr);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(3 * sizeof(int));
    if (fds) memcpy(CMSG_DATA(cmsg), fds, 3 * sizeof(int));
    else hdr.msg_control = NULL, hdr.msg_controllen = 0;
    ssize_t sent = sendmsg(sock, &hdr, MSG_NOSIGNAL);
    buf_free(&msg);
    return sent < 0 ? -1 : 0;
}

/* A line from the runner without its newline, for messages. */
static const char *quoted_line(void) {
    line[strcspn(line, "\n")] = 0;
    return line;
}

/* 0 if the runner is loaded and waiting for a request, else -1 with why not. */
static int check_ready(char *failure, size_t flen) {
    if (loading) {
        snprintf(failure, flen, "the resident runner is not ready yet: it is still loading (started %llu s ago)",
                 (unsigned long long)((now_us() - loading_since) / 1000000u));
        return -1;
    }
    if (!ready) {
        snprintf(failure, flen, "the resident runner is not running: %s", gone_reason);
        return -1;
    }
    return 0;
}

int resident_submit(const char *workdir, const char *code_file, int last, int fds[3], pid_t *pid, int *in_place,
                    char *failure, size_t flen) {
    if (check_ready(failure, flen) != 0) return -1;
    if (keeps_stdio && !last) {
        snprintf(failure, flen, "the resident runner keeps its stdio (/etc/thaw/resident-stdio) and serves only a "
                                "guest's last program (RUN flag last)");
        return -1;
    }
    int got = send_run(workdir, code_file, last ? "here" : "fork", keeps_stdio ? NULL : fds) == 0
                  ? read_line(PID_TIMEOUT_MS)
                  : -1;
    if (got <= 0) {
        if (got < 0) runner_lost();
        else kill(-runner, SIGKILL), runner_gone("the resident runner did not answer PID within 10 s");
        snprintf(failure, flen, "the resident runner did not take the program: %s", gone_reason);
        return -1;
    }
    if (sscanf(line, "PID %d", pid) != 1 || *pid <= 0) {
        snprintf(failure, flen, "the resident runner answered \"%s\" instead of PID", quoted_line());
        line_len = 0;
        return -1;
    }
    consume_line();
    *in_place = last;
    if (last) {
        /* The runner has become the program: an ordinary child of the agent now, which keeps
         * the socket only to report the program's end before its own exit. */
        ready = 0;
        running_in_place = 1;
        snprintf(gone_reason, sizeof gone_reason, "the resident runner ran the guest's last program (RUN flag last) in place");
    }
    return 0;
}

int resident_read_report(int *status) {
    int got = running_in_place ? read_line(0) : -1;
    if (got <= 0) return got;
    if (sscanf(line, "EXIT %d", status) != 1) return -1;
    consume_line();
    return 1;
}

int resident_read_exit(int *status, char *failure, size_t flen) {
    int got = read_line(0);
    if (got < 0) {
        runner_lost();
        snprintf(failure, flen, "the resident runner died while the program ran: %s", gone_reason);
        return -1;
    }
    if (got == 0) return 0;
    if (sscanf(line, "EXIT %d", status) != 1) {
        snprintf(failure, flen, "the resident runner answered \"%s\" instead of EXIT", quoted_line());
        line_len = 0;
        return -1;
    }
    consume_line();
    return 1;
}

/* Reads and drops what a kept-stdio runner wrote while warming up (not a program's output);
 * at end of file (the runner closed that descriptor) stops watching it: *fd = -1. */
static void drop_output(int *fd) {
    char junk[4096];
    ssize_t got;
    while (*fd >= 0 && (got = read(*fd, junk, sizeof junk)) != 0) {
        if (got < 0) return; /* EAGAIN: nothing more for now */
    }
    *fd = -1;
}

/* The runner's answer to a warm request within timeout_ms: 1 with it in `line`, 0 if none
 * came, -1 if the runner closed its end. Its output is drained meanwhile, so that a warm-up
 * that prints much cannot block on a full pipe. */
static int await_warm_answer(uint32_t timeout_ms) {
    uint64_t deadline = now_us() + (uint64_t)timeout_ms * 1000u;
    int out = kept.out, err = kept.err;
    for (;;) {
        if (resident_has_line()) return 1;
        uint64_t now = now_us();
        if (now >= deadline) return 0;
        struct pollfd fds[3] = {{sock, POLLIN, 0}, {out, POLLIN, 0}, {err, POLLIN, 0}};
        uint64_t wait_ms = (deadline - now) / 1000u + 1;
        if (poll(fds, 3, wait_ms > 60000 ? 60000 : (int)wait_ms) < 0 && errno != EINTR) return -1;
        if (fds[1].revents) drop_output(&out);
        if (fds[2].revents) drop_output(&err);
        if (fds[0].revents && read_line(0) < 0) return -1;
    }
}

int resident_warm(uint32_t timeout_ms, char *failure, size_t flen) {
    if (check_ready(failure, flen) != 0) return -1;
    int got = send_run("", "", "warm", NULL) == 0 ? await_warm_answer(timeout_ms) : -1;
    if (got <= 0) {
        if (got < 0) runner_lost();
        else kill(-runner, SIGKILL), runner_gone("the resident runner did not finish its warm-up in time");
        snprintf(failure, flen, "the resident runner did not warm up: %s", gone_reason);
        return -1;
    }
    int status;
    if (sscanf(line, "EXIT %d", &status) == 1 && status == 0) {
        consume_line();
        return 0;
    }
    /* ERROR (a runner without a warm-up of its own) or a failed warm-up: it still waits for a program. */
    snprintf(failure, flen, "the resident runner could not warm up again: %s", quoted_line());
    line_len = 0;
    return -1;
}
