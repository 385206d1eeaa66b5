/* premain.so: a kept-stdio resident runner (agent-protocol/PROTOCOL.md, "Resident runner") for a
 * language whose own command is a plain program (perl, dash, lua, gawk, sqlite3, ...;
 * languages.json's "premain": true says which). The image's resident argv is
 * that command under LD_PRELOAD of this library, with {file} for the code file:
 *
 *     /usr/bin/env LD_PRELOAD=/opt/thaw/premain.so perl {file}
 *
 * Its constructor runs once the dynamic loader has mapped and relocated the program and its
 * libraries, before the program's main(). It says READY and waits there, inside the snapshot,
 * for the guest's last program; then it sets that program's working directory, environment
 * and code file path and returns, and main() runs exactly as after an exec of the command.
 * Under TCG that saves what every exec costs after a restore: the kernel's exec and page-fault
 * paths and the dynamic loader, each translated afresh (for a perl hello about 6,000 kernel
 * and 1,900 loader translation blocks of its 25,000).
 *
 * What a program can tell apart from the plain command: /proc/self/cmdline and `ps` show
 * "{file}" where the command had the code file's path (argv[] itself holds the path), and
 * /proc/self/environ the environment the snapshot's process started with, LD_PRELOAD included
 * (environ itself is the run's, and children never see LD_PRELOAD); glibc's
 * start-up values (the stack protector's canary, pointer mangling's guard, AT_RANDOM), set
 * when the snapshot's process started, are the same in every clone of a snapshot, as in any
 * process a snapshot holds. A program with arguments never comes here (languages.json:
 * "passes_args": false): argc is fixed when the process starts.
 *
 * A library preloaded beside this one may hold the command later than before main():
 * compile-hold.so holds a compiler where it opens the program's source, its work for every
 * program done. It defines thaw_premain_held_later, and calls thaw_premain_serve there. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHANNEL 3
#define FILE_PLACEHOLDER "{file}"

extern char **environ;

static char **command_argv; /* set once the constructor has found the agent's channel */

static void say(const char *text) {
    size_t left = strlen(text);
    while (left > 0) {
        ssize_t sent = send(CHANNEL, text, left, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) return;
        text += sent;
        left -= (size_t)sent;
    }
}

/* The agent's request "RUN\0<workdir>\0<code_file>\0<mode>\0" (no descriptors: this runner
 * keeps its stdio). Returns the number of fields read into field[], or -1 at the end. */
static int read_request(char *message, size_t size, char *field[4]) {
    ssize_t got;
    do got = recv(CHANNEL, message, size - 1, 0);
    while (got < 0 && errno == EINTR);
    if (got <= 0) return -1;
    message[got] = 0;
    int n = 0;
    for (char *p = message; p < message + got && n < 4; p += strlen(p) + 1) field[n++] = p;
    return n;
}

/* The program's whole environment, as the agent wrote it in <workdir>/.thaw-env:
 * NUL-separated NAME=value entries. Returns 0, or -1 with errno set. */
static int take_environment(const char *workdir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/.thaw-env", workdir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    char *data = malloc((size_t)st.st_size + 1);
    if (!data) abort();
    size_t len = 0;
    for (ssize_t got; len < (size_t)st.st_size; len += (size_t)got) {
        got = read(fd, data + len, (size_t)st.st_size - len);
        if (got < 0 && errno == EINTR) got = 0;
        else if (got <= 0) break;
    }
    close(fd);
    data[len] = 0;
    size_t count = 0;
    for (size_t off = 0; off < len; off += strlen(data + off) + 1) count++;
    char **env = calloc(count + 1, sizeof *env);
    if (!env) abort();
    count = 0;
    for (size_t off = 0; off < len; off += strlen(data + off) + 1) {
        if (strchr(data + off, '=')) env[count++] = data + off;
    }
    environ = env; /* glibc hands main() environ as it is when main is called */
    return 0;
}

/* Whether the agent wrote the program's arguments (<workdir>/.thaw-args): argc was fixed when
 * this process started, so such a run must go to the plain command. */
static int has_arguments(const char *workdir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/.thaw-args", workdir);
    return access(path, F_OK) == 0;
}

/* Puts the program's code file where the command's argv holds {file}; returns its path. */
static const char *set_code_file(char **argv, const char *workdir, const char *code_file) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", workdir, code_file);
    for (int i = 1; argv[i]; i++) {
        if (strcmp(argv[i], FILE_PLACEHOLDER) == 0) argv[i] = path;
    }
    return path;
}

/* Serves requests until one is the guest's last program, which it prepares to become; returns
 * that program's code file path. A command held elsewhere than before main() (compile-hold.so)
 * runs the program later, as a process of its own, so its arguments can be passed on. */
static const char *serve(char **argv, int takes_arguments) {
    char message[8192], *field[4];
    for (;;) {
        int n = read_request(message, sizeof message, field);
        if (n < 0) _exit(0); /* the agent has gone */
        if (n != 4 || strcmp(field[0], "RUN") != 0 || strcmp(field[3], "here") != 0 ||
            strchr(field[2], '/')) {
            say("ERROR this runner keeps its stdio and serves only mode here (a last RUN)\n");
            continue;
        }
        if (!takes_arguments && has_arguments(field[1])) {
            say("ERROR this runner cannot hand a program arguments (languages.json: \"premain\" runs take none)\n");
            continue;
        }
        if (chdir(field[1]) != 0 || take_environment(field[1]) != 0) {
            char error[4200];
            snprintf(error, sizeof error, "ERROR cannot enter %s: %s\n", field[1], strerror(errno));
            say(error);
            continue;
        }
        const char *code_file = set_code_file(argv, field[1], field[2]);
        char pid[32];
        snprintf(pid, sizeof pid, "PID %d\n", (int)getpid());
        say(pid);
        close(CHANNEL); /* the agent then takes the program's end from its exit status */
        return code_file;
    }
}

/* A library preloaded beside this one (languages.json: "preload") may do work of its command's
 * that no program changes, once, before the snapshot is taken: jq-builtins.so parses jq's
 * builtins there. */
static void warm_up(void) {
    void (*hook)(void) = (void (*)(void))dlsym(RTLD_DEFAULT, "thaw_premain_warm_up");
    if (hook) hook();
}

/* glibc calls constructors with main()'s arguments. Any process this library is loaded into
 * without the agent's socket on fd 3 (a program the runner's command starts before READY)
 * just goes on. */
__attribute__((constructor)) static void premain(int argc, char **argv, char **envp) {
    (void)argc;
    (void)envp;
    struct stat channel;
    unsetenv("LD_PRELOAD"); /* not passed on to what the program starts */
    if (fstat(CHANNEL, &channel) != 0 || !S_ISSOCK(channel.st_mode)) return;
    command_argv = argv;
    warm_up();
    if (dlsym(RTLD_DEFAULT, "thaw_premain_held_later")) return;
    say("READY\n");
    serve(argv, 0);
}

/* For a library preloaded beside this one that holds its command at a point of its own
 * (compile-hold.so, which defines thaw_premain_held_later): says READY there and serves as the
 * constructor would have. Returns the program's code file path, with this process in its
 * working directory and environment, or NULL in a process without the agent's channel. */
__attribute__((visibility("default"))) const char *thaw_premain_serve(void) {
    if (!command_argv) return NULL;
    say("READY\n");
    return serve(command_argv, 1);
}
