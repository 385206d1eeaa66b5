/* Runs one program: a fresh working directory, pipes for stdin/stdout/stderr with an
 * output cap, a timeout that kills the whole process group, and the exit status. The
 * program is either executed here (fork + exec of argv) or handed to the resident runner. */
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Time a killed program's exit may take to be observed. */
#define KILL_GRACE_MS 3000

struct workdir {
    char guest[64];    /* path inside the root filesystem */
    char host[512];    /* the same directory seen by the agent */
    char visible[512]; /* what the program sees: guest path when chrooted */
};

static unsigned run_counter;

void reap_orphans(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == resident_pid()) resident_lost(pid);
    }
}

static int write_file(const char *path, const void *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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

static int prepare_workdir(struct workdir *w, const struct run_request *req, char *failure, size_t flen) {
    char parent[512], path[1024];
    snprintf(w->guest, sizeof w->guest, "/tmp/thaw/run-%u", ++run_counter);
    snprintf(parent, sizeof parent, "%s/tmp/thaw", cfg.root);
    snprintf(w->host, sizeof w->host, "%s%s", cfg.root, w->guest);
    snprintf(w->visible, sizeof w->visible, "%s", cfg.use_chroot ? w->guest : w->host);
    mkdir(parent, 0711);
    if (mkdir(w->host, 0700) != 0 ||
        (cfg.drop_privileges && chown(w->host, SANDBOX_UID, SANDBOX_GID) != 0)) {
        snprintf(failure, flen, "cannot create working directory %s: %s", w->host, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", w->host, req->code_file);
    if (write_file(path, req->code, req->code_len) != 0) {
        snprintf(failure, flen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    struct buf env = {0};
    for (uint32_t i = 0; i < req->envc; i++) buf_put(&env, req->env[i], strlen(req->env[i]) + 1);
    snprintf(path, sizeof path, "%s/.thaw-env", w->host);
    int written = write_file(path, env.data, env.len);
    buf_free(&env);
    if (written != 0) {
        snprintf(failure, flen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* In the child: become the sandboxed program. Never returns. */
static void exec_program(const struct workdir *w, const struct run_request *req, int fds[3]) {
    char file[1024], home[600], tmpdir[600];
    char **argv = calloc(req->argc + 1, sizeof *argv);
    char **envp = calloc(req->envc + 5, sizeof *envp);
    setsid();
    signal(SIGPIPE, SIG_DFL); /* ignored in the agent; an ignored signal survives exec */
    for (int i = 0; i < 3; i++) dup2(fds[i], i);
    syscall(SYS_close_range, 3, ~0u, 0);
    if ((cfg.use_chroot && chroot(cfg.root) != 0) || chdir(w->visible) != 0 ||
        (cfg.drop_privileges && (setgroups(0, NULL) != 0 || setgid(SANDBOX_GID) != 0 || setuid(SANDBOX_UID) != 0))) {
        dprintf(2, "thaw: cannot enter the sandbox: %s\n", strerror(errno));
        _exit(126);
    }
    snprintf(file, sizeof file, "%s/%s", w->visible, req->code_file);
    for (uint32_t i = 0; i < req->argc; i++) argv[i] = strcmp(req->argv[i], "{file}") ? req->argv[i] : file;
    snprintf(home, sizeof home, "HOME=%s", w->visible);
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", w->visible);
    envp[0] = "PATH=/usr/local/bin:/usr/bin:/bin";
    envp[1] = home;
    envp[2] = tmpdir;
    envp[3] = "LANG=C.UTF-8";
    for (uint32_t i = 0; i < req->envc; i++) envp[4 + i] = req->env[i];
    execve(argv[0], argv, envp);
    dprintf(2, "thaw: cannot execute %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

struct pipes {
    int child[3]; /* the program's stdin (read end), stdout, stderr (write ends) */
    int in, out, err;
};

static int open_pipes(struct pipes *p) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return -1;
    p->child[0] = in[0], p->child[1] = out[1], p->child[2] = err[1];
    p->in = in[1], p->out = out[0], p->err = err[0];
    fcntl(p->in, F_SETFL, O_NONBLOCK);
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
    return 0;
}

static void close_child_ends(struct pipes *p) {
    for (int i = 0; i < 3; i++) close(p->child[i]);
}

/* Reads what is available; keeps at most cap bytes, reads and drops the rest. */
static int drain(int *fd, struct buf *into, uint32_t cap, uint32_t truncated_flag, uint32_t *flags) {
    uint8_t chunk[65536];
    for (;;) {
        ssize_t got = read(*fd, chunk, sizeof chunk);
        if (got > 0) {
            size_t room = into->len < cap ? cap - into->len : 0;
            size_t keep = (size_t)got < room ? (size_t)got : room;
            buf_put(into, chunk, keep);
            if (keep < (size_t)got) *flags |= truncated_flag;
        } else if (got == 0 || errno != EAGAIN) {
            close(*fd);
            *fd = -1;
            return 0;
        } else {
            return 1;
        }
    }
}

static void feed_stdin(struct pipes *p, const struct run_request *req, uint32_t *fed) {
    while (*fed < req->stdin_len) {
        ssize_t put = write(p->in, req->stdin_data + *fed, req->stdin_len - *fed);
        if (put > 0) *fed += (uint32_t)put;
        else if (put < 0 && errno == EAGAIN) return;
        else break; /* the program closed stdin: it does not want the rest */
    }
    close(p->in);
    p->in = -1;
}

/* How the end of the program is observed: a pidfd for our own child, or the resident
 * runner's EXIT line for its child. Returns 1 with *status set once it has ended. */
struct ending {
    int fd;
    pid_t pid; /* our child, or 0 for a resident run */
};

static int ended(struct ending *e, int *status) {
    if (e->pid > 0) return waitpid(e->pid, status, 0) == e->pid;
    int got = resident_read_exit(status);
    if (got < 0) *status = SIGKILL; /* the runner died: report the program as killed */
    return got != 0;
}

static void pump(struct pipes *p, struct ending *e, pid_t group, const struct run_request *req,
                 struct run_result *res) {
    uint64_t start = now_us(), deadline = start + (uint64_t)req->timeout_ms * 1000u;
    uint32_t fed = 0;
    int status = 0, done = 0;
    if (req->stdin_len == 0) close(p->in), p->in = -1;
    while (!done) {
        struct pollfd fds[4] = {{p->in, POLLOUT, 0}, {p->out, POLLIN, 0}, {p->err, POLLIN, 0}, {e->fd, POLLIN, 0}};
        uint64_t now = now_us();
        if (now >= deadline) {
            if (!(res->flags & RESULT_TIMED_OUT)) kill(-group, SIGKILL);
            res->flags |= RESULT_TIMED_OUT;
            deadline = now + KILL_GRACE_MS * 1000u;
        }
        if (poll(fds, 4, (int)((deadline - now) / 1000u) + 1) < 0 && errno != EINTR) break;
        if (fds[0].revents) feed_stdin(p, req, &fed);
        if (fds[1].revents) drain(&p->out, &res->out, req->output_cap, RESULT_STDOUT_TRUNCATED, &res->flags);
        if (fds[2].revents) drain(&p->err, &res->err, req->output_cap, RESULT_STDERR_TRUNCATED, &res->flags);
        if (fds[3].revents) done = ended(e, &status);
    }
    res->duration_us = now_us() - start;
    kill(-group, SIGKILL); /* background processes end with the program */
    if (p->out >= 0) drain(&p->out, &res->out, req->output_cap, RESULT_STDOUT_TRUNCATED, &res->flags);
    if (p->err >= 0) drain(&p->err, &res->err, req->output_cap, RESULT_STDERR_TRUNCATED, &res->flags);
    for (int *fd = &p->in; fd <= &p->err; fd++) if (*fd >= 0) close(*fd);
    if (WIFSIGNALED(status)) res->signal = WTERMSIG(status), res->exit_code = 128 + res->signal;
    else res->exit_code = WEXITSTATUS(status);
}

void run_program(const struct run_request *req, struct run_result *res, char *failure, size_t flen) {
    struct workdir w;
    struct pipes p;
    if (prepare_workdir(&w, req, failure, flen) != 0) return;
    if (open_pipes(&p) != 0) {
        snprintf(failure, flen, "cannot create pipes: %s", strerror(errno));
        return;
    }
    struct ending e = {-1, 0};
    pid_t pid;
    if (req->flags & RUN_RESIDENT) {
        int rc = resident_submit(w.visible, req->code_file, p.child, &pid, failure, flen);
        close_child_ends(&p);
        if (rc != 0) {
            for (int *fd = &p.in; fd <= &p.err; fd++) close(*fd);
            return;
        }
        e.fd = resident_socket();
    } else {
        pid = fork();
        if (pid == 0) exec_program(&w, req, p.child);
        close_child_ends(&p);
        e.pid = pid;
        e.fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
        if (e.fd < 0) {
            snprintf(failure, flen, "cannot start the program: %s", strerror(errno));
            if (pid > 0) kill(pid, SIGKILL), waitpid(pid, NULL, 0);
            for (int *fd = &p.in; fd <= &p.err; fd++) close(*fd);
            return;
        }
    }
    pump(&p, &e, pid, req, res);
    if (e.pid > 0) close(e.fd);
}
