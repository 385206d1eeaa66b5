/* Runs one program: pipes for stdin, stdout and stderr with an output cap, a timeout that
 * kills the whole process group, and the exit status. The program is either executed
 * here (fork + exec of argv) or handed to the resident runner (resident.c). */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a killed program may take to be seen gone before the run fails. */
#define KILL_GRACE_MS 3000

extern char **environ;

void reap_orphans(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) resident_reaped(pid, status);
}

static void close_fd(int *fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

void close_pipes(struct pipes *p, int parent_ends) {
    for (int i = 0; i < 3; i++) close_fd(&p->child[i]);
    if (parent_ends) close_fd(&p->in), close_fd(&p->out), close_fd(&p->err);
}

int open_pipes(struct pipes *p) {
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    int rc = pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) ? -1 : 0;
    p->child[0] = in[0], p->child[1] = out[1], p->child[2] = err[1];
    p->in = in[1], p->out = out[0], p->err = err[0];
    if (rc != 0) close_pipes(p, 1);
    else for (int *fd = &p->in; fd <= &p->err; fd++) fcntl(*fd, F_SETFL, O_NONBLOCK);
    /* Pipes are created root's, mode 0600; the sandbox user owns them, so that reopening one
     * through /dev/stdin (/proc/self/fd/0) works as on any Linux. */
    for (int i = 0; rc == 0 && cfg.drop_privileges && i < 3; i++)
        if (fchown(p->child[i], SANDBOX_UID, SANDBOX_GID) != 0) close_pipes(p, 1), rc = -1;
    return rc;
}

/* In the child: enter the sandbox and become the program. Never returns. */
static void exec_program(const struct workdir *w, const struct run_request *req, const struct buf *env,
                         const int fds[3]) {
    char **argv = calloc(req->argc + 1, sizeof *argv);
    char **envp = calloc(env->len + 1, sizeof *envp);
    size_t n = 0;
    for (size_t off = 0; off < env->len; off += strlen((char *)env->data + off) + 1)
        envp[n++] = (char *)env->data + off;
    for (uint32_t i = 0; i < req->argc; i++) argv[i] = strcmp(req->argv[i], "{file}") ? req->argv[i] : (char *)w->code;
    setsid(); /* its own process group, so that a timeout kills everything it started */
    signal(SIGPIPE, SIG_DFL); /* ignored in the agent, and an ignored signal survives exec */
    for (int i = 0; i < 3; i++) dup2(fds[i], i);
    syscall(SYS_close_range, 3, ~0u, 0);
    if ((cfg.use_chroot && chroot(cfg.root) != 0) || chdir(w->visible) != 0 ||
        (cfg.drop_privileges && (setgroups(0, NULL) != 0 || setgid(SANDBOX_GID) != 0 || setuid(SANDBOX_UID) != 0))) {
        dprintf(2, "thaw: cannot enter the sandbox: %s\n", strerror(errno));
        _exit(126);
    }
    environ = envp; /* execvp searches this PATH, inside the chroot */
    execvp(argv[0], argv);
    dprintf(2, "thaw: cannot execute %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* Reads what is available; keeps at most cap bytes, reads and drops the rest. */
static void drain(int *fd, struct buf *into, uint32_t cap, uint32_t truncated_flag, uint32_t *flags) {
    uint8_t chunk[65536];
    while (*fd >= 0) {
        ssize_t got = read(*fd, chunk, sizeof chunk);
        if (got > 0) {
            size_t room = into->len < cap ? cap - into->len : 0;
            size_t keep = (size_t)got < room ? (size_t)got : room;
            buf_put(into, chunk, keep);
            if (keep < (size_t)got) *flags |= truncated_flag;
        } else if (got < 0 && errno == EINTR) {
            continue;
        } else {
            if (got == 0 || errno != EAGAIN) close_fd(fd);
            return;
        }
    }
}

static void feed_stdin(struct pipes *p, const struct run_request *req, uint32_t *fed) {
    while (*fed < req->stdin_len) {
        ssize_t put = write(p->in, req->stdin_data + *fed, req->stdin_len - *fed);
        if (put > 0) *fed += (uint32_t)put;
        else if (put < 0 && errno == EAGAIN) return;
        else if (put < 0 && errno == EINTR) continue;
        else break; /* EPIPE: the program closed stdin and does not want the rest */
    }
    close_fd(&p->in);
}

/* How the end of the program is seen: a pidfd when it is the agent's child (a program
 * executed here, or the resident runner running one in place), else the runner's EXIT line.
 * A runner running a program in place also reports its end on `report` before exiting:
 * the exit itself (the kernel freeing the interpreter's whole memory) takes ~10 ms under
 * TCG, which the answer need not wait for. */
struct ending {
    int fd;
    pid_t pid;
    int child;
    int report;
};

/* 1 with *status once the program has ended, 0 if not yet, -1 with a failure. */
static int ended(struct ending *e, int *status, char *failure, size_t flen) {
    if (!e->child) return resident_read_exit(status, failure, flen);
    if (waitpid(e->pid, status, WNOHANG) == e->pid) {
        resident_reaped(e->pid, *status);
        return 1;
    }
    int reported = e->report >= 0 ? resident_read_report(status) : 0;
    if (reported < 0) e->report = -1; /* no report coming: the exit will tell */
    return reported > 0;
}

static void kill_program(pid_t pid) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL); /* in case it had not yet made its own process group */
}

static int pump(struct pipes *p, struct ending *e, const struct run_request *req, struct run_result *res,
                uint64_t start, char *failure, size_t flen) {
    uint64_t deadline = start + (uint64_t)req->timeout_ms * 1000u;
    uint32_t fed = 0;
    int status = 0, done = 0;
    if (req->stdin_len == 0) close_fd(&p->in);
    while (!done) {
        uint64_t now = now_us();
        if (now >= deadline && (res->flags & RESULT_TIMED_OUT)) {
            snprintf(failure, flen, "the program did not end within %d ms of SIGKILL", KILL_GRACE_MS);
            return -1;
        }
        if (now >= deadline) {
            kill_program(e->pid);
            res->flags |= RESULT_TIMED_OUT;
            deadline = now + KILL_GRACE_MS * 1000u;
        }
        struct pollfd fds[5] = {{p->in, POLLOUT, 0}, {p->out, POLLIN, 0}, {p->err, POLLIN, 0}, {e->fd, POLLIN, 0},
                                {e->report, POLLIN, 0}};
        uint64_t wait_ms = (deadline - now) / 1000u + 1;
        int buffered = (!e->child || e->report >= 0) && resident_has_line();
        if (poll(fds, 5, buffered ? 0 : wait_ms > 60000 ? 60000 : (int)wait_ms) < 0 && errno != EINTR) {
            snprintf(failure, flen, "poll failed while the program ran: %s", strerror(errno));
            kill_program(e->pid);
            return -1;
        }
        if (fds[0].revents) feed_stdin(p, req, &fed);
        if (fds[1].revents) drain(&p->out, &res->out, req->output_cap, RESULT_STDOUT_TRUNCATED, &res->flags);
        if (fds[2].revents) drain(&p->err, &res->err, req->output_cap, RESULT_STDERR_TRUNCATED, &res->flags);
        if ((fds[3].revents || fds[4].revents || buffered) && (done = ended(e, &status, failure, flen)) < 0) {
            kill_program(e->pid);
            return -1;
        }
    }
    res->duration_us = now_us() - start;
    kill(-e->pid, SIGKILL); /* background processes end with the program */
    drain(&p->out, &res->out, req->output_cap, RESULT_STDOUT_TRUNCATED, &res->flags);
    drain(&p->err, &res->err, req->output_cap, RESULT_STDERR_TRUNCATED, &res->flags);
    if (WIFSIGNALED(status)) res->signal = WTERMSIG(status), res->exit_code = 128 + res->signal;
    else res->exit_code = WEXITSTATUS(status);
    return 0;
}

static int start_child(const struct workdir *w, const struct run_request *req, const struct buf *env,
                       struct pipes *p, struct ending *e, char *failure, size_t flen) {
    e->child = 1;
    e->pid = fork();
    if (e->pid == 0) exec_program(w, req, env, p->child);
    e->fd = e->pid > 0 ? (int)syscall(SYS_pidfd_open, e->pid, 0) : -1;
    if (e->fd >= 0) return 0;
    snprintf(failure, flen, "cannot start the program: %s", strerror(errno));
    if (e->pid > 0) kill(e->pid, SIGKILL), waitpid(e->pid, NULL, 0);
    return -1;
}

static int start_resident(const struct workdir *w, const struct run_request *req, struct pipes *p,
                          struct ending *e, char *failure, size_t flen) {
    if (resident_submit(w->visible, req->code_file, (req->flags & RUN_LAST) != 0, p->child, &e->pid, &e->child,
                        failure, flen) != 0)
        return -1;
    e->fd = e->child ? (int)syscall(SYS_pidfd_open, e->pid, 0) : resident_socket();
    e->report = e->child ? resident_socket() : -1;
    if (e->fd >= 0) return 0;
    snprintf(failure, flen, "cannot watch the resident runner: %s", strerror(errno));
    kill_program(e->pid);
    return -1;
}

void run_program(const struct run_request *req, struct run_result *res, char *failure, size_t flen) {
    struct workdir w;
    struct buf env = {0};
    struct pipes p;
    struct ending e = {-1, 0, 0, -1};
    if (prepare_workdir(&w, req, &env, failure, flen) == 0) {
        int kept = (req->flags & RUN_RESIDENT) && (req->flags & RUN_LAST) && resident_take_stdio(&p);
        if (!kept && open_pipes(&p) != 0) {
            snprintf(failure, flen, "cannot create pipes: %s", strerror(errno));
        } else {
            uint64_t start = now_us();
            int rc = req->flags & RUN_RESIDENT ? start_resident(&w, req, &p, &e, failure, flen)
                                               : start_child(&w, req, &env, &p, &e, failure, flen);
            close_pipes(&p, 0); /* the program holds its ends now; EOF comes when it lets go */
            if (rc == 0) pump(&p, &e, req, res, start, failure, flen);
            close_pipes(&p, 1);
            if (e.child && e.fd >= 0) close(e.fd);
        }
    }
    buf_free(&env);
    if (!(req->flags & RUN_LAST)) prepare_next_workdir();
}
