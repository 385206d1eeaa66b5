/* jq-builtins.so: preloaded beside premain.so into jq's resident process (languages.json:
 * "preload"), so that the snapshot already holds jq's builtin library, parsed.
 *
 * jq 1.6 compiles its builtins, most of them written in jq, along with every program: it
 * parses them (jq_parse_library), then binds them to the program. For `jq -n 1` that is 172
 * million instructions (callgrind on the host), 46 million of them the parse, which depends on
 * nothing the program says. libjq calls jq_parse_library through its PLT, so the definition
 * below is the one it reaches. premain.so calls thaw_premain_warm_up() before it says READY: a
 * compile of "." there parses the builtins once more than it needs and keeps that copy. The
 * run's compile then takes the copy instead of parsing again, and binds it to the program as
 * it would a fresh parse, which the binding consumes: premain.so's process runs one program,
 * so the copy is used once, and any later parse is jq's own.
 *
 * What it relies on: jq 1.6's struct locfile begins with the file's name as a jv (src/locfile.h),
 * which tells the builtins' parse ("<builtin>") from a module's or ~/.jq's. A locfile whose first
 * field is not a string is jq's own business: nothing is kept, every parse is jq's. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

/* jq 1.6's public value type (jv.h), by value as its API passes it. */
typedef struct {
    unsigned char kind_flags;
    unsigned char pad_;
    unsigned short offset;
    int size;
    union {
        void *ptr;
        double number;
    } u;
} jv;

enum { JV_KIND_STRING = 5 };

/* A parsed program or library: a list of instructions (compile.h), moved around by value. */
typedef struct {
    void *first;
    void *last;
} block;

struct locfile;
typedef struct jq_state jq_state;
typedef int parse_library_fn(struct locfile *, block *);

/* libjq's, looked up where they are used: this library is loaded before libjq is searched, and
 * a process that is not jq has none of them. */
struct libjq {
    parse_library_fn *parse_library;
    int (*get_kind)(jv);
    const char *(*string_value)(jv);
    jq_state *(*init)(void);
    int (*compile)(jq_state *, const char *);
};

static struct libjq jq;
static int catching;   /* in the warm-up's compile */
static int have_kept;  /* kept holds an unused parse of the builtins */
static block kept;

static void look_up(void) {
    if (jq.parse_library) return;
    jq.get_kind = (int (*)(jv))dlsym(RTLD_DEFAULT, "jv_get_kind");
    jq.string_value = (const char *(*)(jv))dlsym(RTLD_DEFAULT, "jv_string_value");
    jq.init = (jq_state * (*)(void)) dlsym(RTLD_DEFAULT, "jq_init");
    jq.compile = (int (*)(jq_state *, const char *))dlsym(RTLD_DEFAULT, "jq_compile");
    jq.parse_library = (parse_library_fn *)dlsym(RTLD_NEXT, "jq_parse_library");
}

static int is_builtins(struct locfile *source) {
    jv name = *(jv *)source;
    return jq.get_kind && jq.string_value && jq.get_kind(name) == JV_KIND_STRING &&
           strcmp(jq.string_value(name), "<builtin>") == 0;
}

int jq_parse_library(struct locfile *source, block *answer) {
    look_up();
    if (!is_builtins(source)) return jq.parse_library(source, answer);
    if (catching && !have_kept) {
        block copy;
        if (jq.parse_library(source, &copy) == 0) kept = copy, have_kept = 1;
    } else if (have_kept) {
        *answer = kept;
        have_kept = 0;
        return 0;
    }
    return jq.parse_library(source, answer);
}

/* Without HOME, the warm-up's compile reads no ~/.jq. Its jq_state stays: the kept parse's
 * locations point at it, as they would at the run's. */
void thaw_premain_warm_up(void) {
    look_up();
    if (!jq.parse_library || !jq.init || !jq.compile) return; /* not jq */
    const char *home = getenv("HOME");
    char *saved = home ? strdup(home) : NULL;
    unsetenv("HOME");
    catching = 1;
    jq_state *state = jq.init();
    if (state) jq.compile(state, ".");
    catching = 0;
    if (saved) setenv("HOME", saved, 1);
    free(saved);
}
