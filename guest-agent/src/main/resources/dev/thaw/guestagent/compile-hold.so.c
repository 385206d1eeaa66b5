/* compile-hold.so: a resident compiler for a compiled language whose compiler does most of a
 * run's work before it reads the program, the same work for every program (nim compiles its
 * whole system module first). Preloaded beside premain.so into the language's own compile
 * command, started from the image's resident script after a warm-up compile (languages.json:
 * "hold"), it lets the compiler run at boot until it first opens the program's source file,
 * HOLD_SOURCE. There premain.so says READY and waits, inside the snapshot, for the guest's last
 * program. For the run it takes the lock the compile command takes (HOLD_LOCK, which other
 * compiles in the guest share), copies the program's code file to HOLD_SOURCE, goes back to
 * the directory the compiler started in and lets the open go on: the compiler reads the
 * program and finishes its compile as the plain command would. When it exits, having written
 * HOLD_OUTPUT and not called exit() with a failure, the output is copied into the program's
 * working directory as HOLD_PROGRAM and executed there with the program's arguments, as the
 * compile command's `exec "$0" "$@"` does. A compile that fails ends the process with the
 * compiler's own status, its messages on the program's stderr, as the plain command's would.
 *
 * The four HOLD_ names come in environment variables of the same names with a THAW_ prefix;
 * they are taken out of the environment before the compiler runs anything. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

/* premain.so's: says READY, waits for the guest's last program and takes its directory and
 * environment; returns its code file's path, or NULL without the agent's channel. */
const char *thaw_premain_serve(void);

static char *hold_source, *hold_output, *hold_lock, *hold_program;
static char start_dir[4096], workdir[4096];
static pid_t held_in;         /* the process that held, once it has; 0 before */
static int failed_exit;       /* the compiler called exit() with a failure */

/* premain.so looks this up: its constructor then leaves READY to thaw_premain_serve. */
void thaw_premain_held_later(void) {}

static char *take_setting(const char *name) {
    const char *value = getenv(name);
    char *copy = value && *value ? strdup(value) : NULL;
    unsetenv(name);
    return copy;
}

__attribute__((constructor)) static void read_settings(void) {
    hold_source = take_setting("THAW_HOLD_SOURCE");
    hold_output = take_setting("THAW_HOLD_OUTPUT");
    hold_lock = take_setting("THAW_HOLD_LOCK");
    hold_program = take_setting("THAW_HOLD_PROGRAM");
    if (!getcwd(start_dir, sizeof start_dir)) start_dir[0] = 0;
}

static void fail(const char *what, const char *path) {
    fprintf(stderr, "thaw: %s %s: %s\n", what, path, strerror(errno));
    _exit(1);
}

/* Copies from into to (created with mode), replacing what to held. */
static int copy_file(const char *from, const char *to, mode_t mode) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buffer[65536];
    ssize_t got = 0;
    while ((got = read(in, buffer, sizeof buffer)) > 0 || (got < 0 && errno == EINTR)) {
        for (ssize_t done = 0; got > 0 && done < got;) {
            ssize_t wrote = write(out, buffer + done, (size_t)(got - done));
            if (wrote < 0 && errno == EINTR) continue;
            if (wrote <= 0) {
                got = -1;
                break;
            }
            done += wrote;
        }
        if (got < 0) break;
    }
    int saved = errno;
    close(in);
    if (close(out) != 0 && got == 0) got = -1;
    errno = saved;
    return got == 0 ? 0 : -1;
}

/* The compiler asks for the program: wait for it, then set the compile up as the command would. */
static void hold(void) {
    held_in = getpid();
    const char *code_file = thaw_premain_serve();
    if (!code_file) return; /* run by hand, not by the agent: a plain compile */
    if (!getcwd(workdir, sizeof workdir)) fail("cannot read the working directory", "");
    if (hold_lock) {
        int lock = open(hold_lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock < 0 || flock(lock, LOCK_EX) != 0) fail("cannot lock", hold_lock);
        /* held until exit or exec, like the command's `flock 9` */
    }
    if (copy_file(code_file, hold_source, 0644) != 0) fail("cannot copy the program to", hold_source);
    if (unlink(hold_output) != 0 && errno != ENOENT) fail("cannot remove", hold_output);
    if (chdir(start_dir) != 0) fail("cannot go back to", start_dir);
}

static void check(const char *path) {
    if (!held_in && hold_source && hold_output && path && strcmp(path, hold_source) == 0) hold();
}

/* The calls a compiler may open its source with; each goes on to the C library's own. */
#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

/* The mode an open call passes after flags only when it creates a file. */
#define MODE_AFTER(flags)                                                      \
    mode_t mode = 0;                                                           \
    if ((flags) & (O_CREAT | O_TMPFILE)) {                                     \
        va_list ap;                                                            \
        va_start(ap, flags);                                                   \
        mode = va_arg(ap, mode_t);                                             \
        va_end(ap);                                                            \
    }

int open(const char *path, int flags, ...) {
    MODE_AFTER(flags)
    check(path);
    return NEXT(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    MODE_AFTER(flags)
    check(path);
    return NEXT(open64)(path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...) {
    MODE_AFTER(flags)
    check(path);
    return NEXT(openat)(dir, path, flags, mode);
}

FILE *fopen(const char *path, const char *mode) {
    check(path);
    return NEXT(fopen)(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
    check(path);
    return NEXT(fopen64)(path, mode);
}

void exit(int status) {
    if (status != 0) failed_exit = 1;
    NEXT(exit)(status);
    abort(); /* not reached */
}

/* <workdir>/.thaw-args: the program's arguments, each followed by a NUL, after argv[0]. */
static char **program_argv(const char *program) {
    static char name[4200];
    snprintf(name, sizeof name, "./%s", program);
    char *data = NULL;
    size_t len = 0;
    FILE *args = fopen(".thaw-args", "re");
    if (args) {
        char buffer[65536];
        for (size_t got; (got = fread(buffer, 1, sizeof buffer, args)) > 0; len += got) {
            data = realloc(data, len + got);
            if (!data) abort();
            memcpy(data + len, buffer, got);
        }
        fclose(args);
    }
    size_t count = 0;
    for (size_t off = 0; off < len; off += strlen(data + off) + 1) count++;
    char **argv = calloc(count + 2, sizeof *argv);
    if (!argv) abort();
    argv[0] = name;
    count = 1;
    for (size_t off = 0; off < len; off += strlen(data + off) + 1) argv[count++] = data + off;
    return argv;
}

/* The compile is over: runs the program it made, as the process the agent waits for. Runs from
 * the C library's exit handling, after the compiler's own handlers; returning lets the exit go on. */
__attribute__((destructor)) static void run_program(void) {
    if (!held_in || held_in != getpid() || !workdir[0] || failed_exit) return;
    if (access(hold_output, X_OK) != 0) return; /* no program: the compile failed */
    fflush(NULL);
    if (chdir(workdir) != 0) fail("cannot enter", workdir);
    const char *program = hold_program ? hold_program : "main";
    if (copy_file(hold_output, program, 0755) != 0) fail("cannot copy the program to", program);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int signal_number = 1; signal_number < NSIG; signal_number++) signal(signal_number, SIG_DFL);
    char **argv = program_argv(program);
    execve(argv[0], argv, environ);
    fail("cannot run", argv[0]);
}
