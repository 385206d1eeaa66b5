/* compile-hold.so: a resident compiler for a compiled language whose compiler does much of a
 * run's work before it reads the program, the same work for every program (nim compiles its
 * whole system module first; ghc loads its package database). Preloaded beside premain.so into
 * the language's own compiler, started at boot by compile-hold.sh (languages.json: "hold"), it
 * lets the compiler run until it first opens the program's source file, HOLD_SOURCE. There
 * premain.so says READY and waits, inside the snapshot, for the guest's last program. For the
 * run it takes the lock the compile command takes (HOLD_LOCK, if the compile command shares the
 * compiler's directory), copies the program's code file to HOLD_SOURCE, goes back to the
 * directory the compiler started in and lets the open go on: the compiler reads the program
 * and finishes its compile as the plain command would. When it exits with status 0 (from
 * main() or exit()), HOLD_THEN, if any, runs there through the shell (vala: the C compiler
 * after valac); then HOLD_OUTPUT, the program, is copied into the program's working directory
 * as main and executed there with the program's arguments, as the compile command's
 * `exec "$0" "$@"` does. A compile that fails ends the process with the compiler's (or
 * HOLD_THEN's) status, its messages on the program's stderr, as the plain command's would.
 *
 * HOLD_ENV, NAME=VALUE lines, are variables the compile command sets for the compiler alone
 * (crystal's cache directory, which crystal looks up only when it generates code): they are set
 * again in the program's environment for the rest of the compile, and put back as the program
 * had them before it runs.
 *
 * The HOLD_ names come in environment variables of the same names with a THAW_ prefix; they
 * are taken out of the environment before the compiler runs anything. */
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
#include <sys/wait.h>
#include <unistd.h>

#define PROGRAM "main" /* what the compile command makes in the working directory (languages.json "run") */

extern char **environ;

/* premain.so's: says READY, waits for the guest's last program and takes its directory and
 * environment; returns its code file's path, or NULL without the agent's channel. */
const char *thaw_premain_serve(void);

static char *hold_source, *hold_output, *hold_lock, *hold_then, *hold_env;
static char start_dir[4096], workdir[4096];
static pid_t held_in;         /* the process that held, once it has; 0 before */
static int failed;            /* the compiler ended with a failure: from main() or exit() */

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
    hold_then = take_setting("THAW_HOLD_THEN");
    hold_env = take_setting("THAW_HOLD_ENV");
    if (!getcwd(start_dir, sizeof start_dir)) start_dir[0] = 0;
}

static void fail(const char *what, const char *path) {
    fprintf(stderr, "thaw: %s %s: %s\n", what, path, strerror(errno));
    _exit(1);
}

static int write_all(int fd, const char *data, size_t size) {
    while (size > 0) {
        ssize_t wrote = write(fd, data, size);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) return -1;
        data += wrote;
        size -= (size_t)wrote;
    }
    return 0;
}

/* Copies from into to (created with mode), replacing what to held. Returns 0, or -1 with errno set. */
static int copy_file(const char *from, const char *to, mode_t mode) {
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buffer[65536];
    int result = -1;
    for (;;) {
        ssize_t got = read(in, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got == 0) result = 0;
        if (got <= 0 || write_all(out, buffer, (size_t)got) != 0) break;
    }
    int saved = errno;
    close(in);
    if (close(out) != 0 && result == 0) return -1;
    errno = saved;
    return result;
}

#define MAX_COMPILER_VARIABLES 16

static struct {
    const char *name;
    char *program_value; /* NULL where the program's environment lacks it */
} compiler_variables[MAX_COMPILER_VARIABLES];
static int compiler_variable_count;

/* HOLD_ENV's variables, over the program's environment just taken. */
static void set_compiler_variables(void) {
    for (char *next, *line = hold_env; line && *line && compiler_variable_count < MAX_COMPILER_VARIABLES; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        char *equals = strchr(line, '=');
        if (!equals) continue;
        *equals = 0;
        const char *program_value = getenv(line);
        compiler_variables[compiler_variable_count].name = line;
        compiler_variables[compiler_variable_count++].program_value = program_value ? strdup(program_value) : NULL;
        setenv(line, equals + 1, 1);
    }
}

static void restore_program_variables(void) {
    for (int i = 0; i < compiler_variable_count; i++) {
        if (compiler_variables[i].program_value) {
            setenv(compiler_variables[i].name, compiler_variables[i].program_value, 1);
        } else {
            unsetenv(compiler_variables[i].name);
        }
    }
}

/* The compiler asks for the program: wait for it, then set the compile up as the command would. */
static void hold(void) {
    held_in = getpid();
    const char *code_file = thaw_premain_serve();
    if (!code_file) return; /* run by hand, not by the agent: a plain compile */
    if (!getcwd(workdir, sizeof workdir)) fail("cannot read the working directory", "");
    set_compiler_variables();
    if (hold_lock) {
        int lock = open(hold_lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (lock < 0 || flock(lock, LOCK_EX) != 0) fail("cannot lock", hold_lock);
        /* held until exit or exec, like the command's `flock 9` */
    }
    if (copy_file(code_file, hold_source, 0644) != 0) fail("cannot copy the program to", hold_source);
    if (unlink(hold_output) != 0 && errno != ENOENT) fail("cannot remove", hold_output);
    if (chdir(start_dir) != 0) fail("cannot go back to", start_dir);
}

/* Whether path, opened relative to dir, is HOLD_SOURCE: nim opens it by its absolute path, ghc
 * by the name on its command line. */
static int names_source(int dir, const char *path) {
    if (path[0] == '/') return strcmp(path, hold_source) == 0;
    while (strncmp(path, "./", 2) == 0) path += 2;
    size_t source_length = strlen(hold_source), length = strlen(path);
    if (dir != AT_FDCWD || length >= source_length || hold_source[source_length - length - 1] != '/' ||
        strcmp(hold_source + source_length - length, path) != 0) {
        return 0;
    }
    char cwd[4096];
    return getcwd(cwd, sizeof cwd) && strlen(cwd) == source_length - length - 1 &&
           strncmp(cwd, hold_source, source_length - length - 1) == 0;
}

static void check(int dir, const char *path) {
    if (!held_in && hold_source && hold_output && path && names_source(dir, path)) hold();
}

/* The calls a compiler may open its source with; each goes on to the C library's own, looked
 * up once per call site (a compiler opens thousands of files: ghc its interfaces). */
#define NEXT(name)                                                             \
    ({                                                                         \
        static __typeof__(&name) next;                                         \
        if (!next) next = (__typeof__(&name))dlsym(RTLD_NEXT, #name);          \
        next;                                                                  \
    })

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
    check(AT_FDCWD, path);
    return NEXT(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    MODE_AFTER(flags)
    check(AT_FDCWD, path);
    return NEXT(open64)(path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...) {
    MODE_AFTER(flags)
    check(dir, path);
    return NEXT(openat)(dir, path, flags, mode);
}

FILE *fopen(const char *path, const char *mode) {
    check(AT_FDCWD, path);
    return NEXT(fopen)(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
    check(AT_FDCWD, path);
    return NEXT(fopen64)(path, mode);
}

void exit(int status) {
    if (status != 0) failed = 1;
    NEXT(exit)(status);
    abort(); /* not reached */
}

/* A compiler whose main() returns its status (valac) ends through the C library's own call
 * to exit(), which the one above does not see: main() is wrapped instead. */
typedef int (*main_function)(int, char **, char **);
static main_function compiler_main;

static int wrapped_main(int argc, char **argv, char **envp) {
    int status = compiler_main(argc, argv, envp);
    if (status != 0) failed = 1;
    return status;
}

int __libc_start_main(main_function main, int argc, char **argv, void (*init)(void), void (*fini)(void),
        void (*rtld_fini)(void), void *stack_end) {
    compiler_main = main;
    return NEXT(__libc_start_main)(wrapped_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* "./main" and <workdir>/.thaw-args: the program's arguments, each followed by a NUL. */
static char **program_argv(void) {
    static char name[] = "./" PROGRAM;
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

/* The compile is over: runs the program it made, as the process the agent waits for. Returns
 * when this is not the held compile or the compile failed, to let its exit go on. */
static void run_program(void) {
    if (!held_in || held_in != getpid() || !workdir[0] || failed) return;
    fflush(NULL);
    if (hold_then) {
        int status = system(hold_then);
        if (status != 0) _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    }
    if (access(hold_output, X_OK) != 0) { /* as the compile command's exec of a missing ./main */
        fprintf(stderr, "thaw: the compile made no program ./%s: %s\n", PROGRAM, strerror(errno));
        _exit(127);
    }
    if (chdir(workdir) != 0) fail("cannot enter", workdir);
    if (copy_file(hold_output, PROGRAM, 0755) != 0) fail("cannot copy the program to", PROGRAM);
    restore_program_variables();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int signal_number = 1; signal_number < NSIG; signal_number++) signal(signal_number, SIG_DFL);
    char **argv = program_argv();
    execve(argv[0], argv, environ);
    fail("cannot run", argv[0]);
}

/* Runs from the C library's exit handling, after the compiler's own handlers. */
__attribute__((destructor)) static void compile_ended(void) {
    run_program();
}

/* A compiler may also end with _exit (dash does). */
void _exit(int status) {
    if (status == 0) run_program();
    NEXT(_exit)(status);
    __builtin_unreachable();
}

void _Exit(int status) {
    if (status == 0) run_program();
    NEXT(_Exit)(status);
    __builtin_unreachable();
}
