/* prolog-state.so: preloaded beside premain.so into swipl's resident process (languages.json:
 * "preload"), so that the snapshot holds SWI-Prolog initialised: its saved state loaded and
 * its start-up goals run, all of which `swipl -q main.pl` otherwise does in main() on every run.
 *
 * swipl's main() is PL_initialise(argc, argv), then PL_toplevel(). PL_initialise loads the
 * boot state (the compiled Prolog system, unzipped) and runs '$toplevel':'$initialise', whose
 * last steps are the only ones that depend on the command's file: load it as the command
 * line's "associated file", then run its initialization(_, program) and (_, main) goals, or
 * leave the interactive toplevel to main() when it has none. premain.so calls
 * thaw_premain_warm_up() before it says READY, which runs PL_initialise for `swipl -q`
 * alone. The run's main() then reaches the PL_initialise below, which does what the real
 * one would still have done for `swipl -q FILE`, as in SWI-Prolog 9.0.4's boot/toplevel.pl
 * (initialise_prolog/0): the command line's flags, the associated file loaded, the goals run,
 * under the same catch. Before that, what the process would have set up differently had it
 * started now: Prolog's working directory (it keeps its own) and the random generator's seed,
 * which every clone of a snapshot would otherwise share.
 *
 * What it relies on: the names of '$toplevel''s predicates in 9.0.4, which Debian's package
 * fixes. The command languages.json gives (`swipl -q {file}`) is the only one it serves; any
 * other is refused with a message. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef uintptr_t term_t;

/* libswipl's, looked up where they are used: a process that is not swipl has none of them. */
struct libswipl {
    int (*initialise)(int, char **);
    term_t (*new_term_ref)(void);
    int (*chars_to_term)(const char *, term_t);
    int (*call)(term_t, void *);
};

static struct libswipl pl;
static int initialised_in_snapshot;

static void look_up(void) {
    if (pl.initialise) return;
    pl.new_term_ref = (term_t(*)(void))dlsym(RTLD_DEFAULT, "PL_new_term_ref");
    pl.chars_to_term = (int (*)(const char *, term_t))dlsym(RTLD_DEFAULT, "PL_chars_to_term");
    pl.call = (int (*)(term_t, void *))dlsym(RTLD_DEFAULT, "PL_call");
    pl.initialise = (int (*)(int, char **))dlsym(RTLD_NEXT, "PL_initialise");
}

/* text as a quoted Prolog atom in out (of size room); 0 if it does not fit. */
static int quote_atom(char *out, size_t room, const char *text) {
    size_t n = 0;
    out[n++] = '\'';
    for (; *text; text++) {
        if (n + 4 > room) return 0;
        if (*text == '\'' || *text == '\\') out[n++] = '\\';
        out[n++] = *text;
    }
    out[n++] = '\'';
    out[n] = 0;
    return 1;
}

/* The rest of initialise_prolog/0 for `PROGRAM -q FILE`, run from the working directory DIR. */
static int initialise_goal(char *goal, size_t room, const char *program, const char *file, const char *dir) {
    char p[4200], f[8400], d[8400];
    if (!quote_atom(p, sizeof p, program) || !quote_atom(f, sizeof f, file) || !quote_atom(d, sizeof d, dir)) return 0;
    int n = snprintf(goal, room,
                     "'$toplevel':catch((working_directory(_, %s), set_random(seed(random)), "
                     "set_prolog_flag(os_argv, [%s, '-q', %s]), set_prolog_flag(argv, [%s]), "
                     "associated_files(Files), load_associated_files(Files), '$cmd_option_val'(goals, Goals), "
                     "(Goals == [], \\+ '$init_goal'(when(_), _, _) -> version ; run_init_goals(Goals), "
                     "(load_only -> version ; run_program_init, run_main_init))), E, initialise_error(E))",
                     d, p, f, f);
    return n > 0 && (size_t)n < room;
}

int PL_initialise(int argc, char **argv) {
    look_up();
    if (!initialised_in_snapshot) return pl.initialise(argc, argv);
    if (argc != 3 || strcmp(argv[1], "-q") != 0) {
        fprintf(stderr, "thaw: prolog-state.so serves only `swipl -q FILE`\n");
        return 0;
    }
    char dir[4096], goal[32768];
    if (!getcwd(dir, sizeof dir)) {
        fprintf(stderr, "thaw: cannot read the working directory: %s\n", strerror(errno));
        return 0;
    }
    if (!initialise_goal(goal, sizeof goal, argv[0], argv[2], dir)) {
        fprintf(stderr, "thaw: the program's path is too long\n");
        return 0;
    }
    term_t term = pl.new_term_ref();
    return pl.chars_to_term(goal, term) && pl.call(term, NULL);
}

/* SWI-Prolog as `swipl -q` with no file: its state loaded and '$initialise' run, which with
 * nothing to load or run ends there. */
void thaw_premain_warm_up(void) {
    look_up();
    if (!pl.initialise || !pl.new_term_ref || !pl.chars_to_term || !pl.call) return; /* not swipl */
    char *argv[] = {program_invocation_name, "-q", NULL};
    if (!pl.initialise(2, argv)) {
        fprintf(stderr, "thaw: SWI-Prolog did not initialise before the snapshot\n");
        _exit(1);
    }
    initialised_in_snapshot = 1;
}
