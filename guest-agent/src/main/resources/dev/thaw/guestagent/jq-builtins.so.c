/* jq-builtins.so: preloaded beside premain.so into jq's resident process (languages.json:
 * "preload"), so that a run's compile handles only the builtins its program can reach.
 *
 * jq 1.6 compiles its builtins, about 200 definitions mostly written in jq, along with every
 * program: it parses them all (jq_parse_library), binds them to one another, to its C
 * functions and to the program, then drops every definition the program does not reach. For
 * `jq -n 1` that is 172 million instructions (callgrind on the host), in functions of libjq
 * that nothing outside it can call. What goes into them can be chosen: libjq calls
 * jq_parse_library, and jq_parse for the program, through its PLT, so the definitions below
 * are the ones it reaches.
 *
 * premain.so calls thaw_premain_warm_up() before it says READY. It compiles "." once, which
 * records the builtins' source, splits it into its top-level definitions and notes the names
 * each one mentions; it also keeps a second parse of the whole source. At the run, the
 * builtins' parse is handed only the definitions whose names the program's text mentions,
 * with the definitions those mention in turn, every definition whose name begins with "_"
 * and `error` and `recurse` (the parser writes calls to those for operators, `..`, `break`
 * and string formats). Any identifier anywhere in the text counts, strings and comments
 * included, so the set holds every definition the program can reach: jq then binds and keeps
 * exactly what it kept from the full set, and the program compiles to the same bytecode.
 * A program that names `builtins` (which lists them all), imports or includes modules (whose
 * text the set does not see) or calls `modulemeta`, and a compile that read a ~/.jq, get the
 * kept parse of the whole source instead (once; after that jq's own parse).
 *
 * What it relies on: jq 1.6's struct locfile begins with the file's name as a jv, then its
 * text and length (src/locfile.h); the text is the locfile's own copy, so a shorter one can be
 * written over it. A source that does not split into top-level definitions is left whole. */
#define _GNU_SOURCE
#include <ctype.h>
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

/* The head of jq 1.6's struct locfile (src/locfile.h). */
struct locfile {
    jv fname;
    char *data;
    int length;
};

typedef struct jq_state jq_state;
typedef int parse_fn(struct locfile *, block *);

/* libjq's, looked up where they are used: this library is loaded before libjq is searched, and
 * a process that is not jq has none of them. */
struct libjq {
    parse_fn *parse;
    parse_fn *parse_library;
    int (*get_kind)(jv);
    const char *(*string_value)(jv);
    jq_state *(*init)(void);
    int (*compile)(jq_state *, const char *);
};

static struct libjq jq;

static void look_up(void) {
    if (jq.parse_library) return;
    jq.get_kind = (int (*)(jv))dlsym(RTLD_DEFAULT, "jv_get_kind");
    jq.string_value = (const char *(*)(jv))dlsym(RTLD_DEFAULT, "jv_string_value");
    jq.init = (jq_state * (*)(void)) dlsym(RTLD_DEFAULT, "jq_init");
    jq.compile = (int (*)(jq_state *, const char *))dlsym(RTLD_DEFAULT, "jq_compile");
    jq.parse = (parse_fn *)dlsym(RTLD_NEXT, "jq_parse");
    jq.parse_library = (parse_fn *)dlsym(RTLD_NEXT, "jq_parse_library");
}

/* ---- The builtins' source as top-level definitions, and the names each mentions ---- */

enum { MAX_NESTING = 64, NAME_SLOTS = 1024 };

struct definition {
    int start, end; /* the text from `def` to its closing `;` */
    int name;       /* index into names */
    int *mentions;  /* indexes into names of the defined names its text holds */
    int nmentions;
    int next;       /* the next definition of the same name, or -1 */
};

struct name {
    const char *text;
    int length;
    int first; /* its first definition */
    int wanted;
};

static char *source; /* the builtins' text, as the warm-up's parse was given it */
static int source_length;
static struct definition *definitions;
static int ndefinitions;
static struct name *names;
static int nnames;
static int slots[NAME_SLOTS]; /* open addressing over names, each slot an index + 1 */

static int starts_name(char c) { return c == '_' || isalpha((unsigned char)c); }
static int inside_name(char c) { return c == '_' || isalnum((unsigned char)c); }

static unsigned hash(const char *text, int length) {
    unsigned h = 2166136261u;
    for (int i = 0; i < length; i++) h = (h ^ (unsigned char)text[i]) * 16777619u;
    return h;
}

/* The slot holding `text`, or the empty one where it would go. */
static int *slot_of(const char *text, int length) {
    for (unsigned i = hash(text, length);; i++) {
        int *slot = &slots[i % NAME_SLOTS];
        if (!*slot) return slot;
        struct name *n = &names[*slot - 1];
        if (n->length == length && memcmp(n->text, text, (size_t)length) == 0) return slot;
    }
}

static int find_name(const char *text, int length) {
    return *slot_of(text, length) - 1;
}

static int add_name(const char *text, int length) {
    int *slot = slot_of(text, length);
    if (*slot) return *slot - 1;
    if (nnames >= NAME_SLOTS / 2) return -1;
    names[nnames] = (struct name){text, length, -1, 0};
    *slot = ++nnames;
    return nnames - 1;
}

static int skip_string(const char *t, int n, int i);

/* Past the `)` that ends a string's \( interpolation whose code starts at i, or -1. */
static int skip_interpolation(const char *t, int n, int i) {
    for (int depth = 0; i < n;) {
        if (t[i] == '"') {
            if ((i = skip_string(t, n, i)) < 0) return -1;
            continue;
        }
        if (t[i] == '(') depth++;
        if (t[i] == ')' && depth-- == 0) return i + 1;
        i++;
    }
    return -1;
}

/* Past the string literal whose opening quote is at i, or -1. */
static int skip_string(const char *t, int n, int i) {
    for (i++; i < n; i++) {
        if (t[i] == '"') return i + 1;
        if (t[i] != '\\' || ++i >= n) continue;
        if (t[i] == '(') {
            if ((i = skip_interpolation(t, n, i + 1)) < 0) return -1;
            i--;
        }
    }
    return -1;
}

static int add_definition(int start, int end) {
    int i = start + 3;
    while (i < end && isspace((unsigned char)source[i])) i++;
    int length = 0;
    while (i + length < end && inside_name(source[i + length])) length++;
    int name = length && starts_name(source[i]) ? add_name(source + i, length) : -1;
    if (name < 0) return -1;
    struct definition *d = &definitions[ndefinitions];
    *d = (struct definition){start, end, name, NULL, 0, -1};
    /* Appended, so that a name's definitions keep the source's order. */
    int *last = &names[name].first;
    while (*last >= 0) last = &definitions[*last].next;
    *last = ndefinitions++;
    return 0;
}

/* Cuts the source into top-level definitions: each `def` opens one, closed by the `;` at the
 * bracket depth it opened at (a nested `def` closes first). Anything else at the top level,
 * comments and blanks aside, and the source is not split. */
static int split_definitions(void) {
    const char *t = source;
    int n = source_length, depth = 0, open = 0, start = -1, opened_at[MAX_NESTING];
    for (int i = 0; i < n;) {
        char c = t[i];
        if (c == '#') {
            while (i < n && t[i] != '\n') i++;
        } else if (c == '"') {
            if ((i = skip_string(t, n, i)) < 0) return -1;
        } else if (starts_name(c) && (i == 0 || !inside_name(t[i - 1]))) {
            int from = i;
            while (i < n && inside_name(t[i])) i++;
            int keyword = i - from == 3 && memcmp(t + from, "def", 3) == 0 && (from == 0 || (t[from - 1] != '.' && t[from - 1] != '$'));
            if (keyword) {
                if (open == MAX_NESTING) return -1;
                if (open == 0) start = from;
                opened_at[open++] = depth;
            } else if (open == 0) {
                return -1;
            }
        } else {
            if (c == '(' || c == '[' || c == '{') depth++;
            if ((c == ')' || c == ']' || c == '}') && --depth < 0) return -1;
            if (c == ';' && open > 0 && opened_at[open - 1] == depth && --open == 0 && add_definition(start, i + 1) != 0)
                return -1;
            if (open == 0 && c != ';' && !isspace((unsigned char)c)) return -1;
            i++;
        }
    }
    return open == 0 && depth == 0 && ndefinitions > 0 ? 0 : -1;
}

/* Calls `each` for every identifier in text[from, to), for every time it occurs. */
static void for_each_identifier(const char *text, int from, int to, void (*each)(const char *, int, void *),
                                void *context) {
    for (int i = from; i < to;) {
        if (!starts_name(text[i]) || (i > from && inside_name(text[i - 1]))) {
            i++;
            continue;
        }
        int begin = i;
        while (i < to && inside_name(text[i])) i++;
        each(text + begin, i - begin, context);
    }
}

static void note_mention(const char *identifier, int length, void *context) {
    struct definition *d = context;
    int name = find_name(identifier, length);
    if (name >= 0) d->mentions[d->nmentions++] = name;
}

/* Each definition's mentions: at most one per identifier-sized run of its text. */
static int note_mentions(void) {
    for (int i = 0; i < ndefinitions; i++) {
        struct definition *d = &definitions[i];
        if (!(d->mentions = malloc(sizeof(int) * (size_t)((d->end - d->start) / 2 + 1)))) return -1;
        for_each_identifier(source, d->start, d->end, note_mention, d);
    }
    return 0;
}

/* Reads the source the warm-up's parse was given; on any failure nothing is ever pruned. */
static void learn_source(const struct locfile *builtins) {
    source = malloc((size_t)builtins->length);
    definitions = calloc((size_t)builtins->length / 4 + 1, sizeof *definitions);
    names = calloc(NAME_SLOTS / 2, sizeof *names);
    if (!source || !definitions || !names) return;
    memcpy(source, builtins->data, (size_t)builtins->length);
    source_length = builtins->length;
    if (split_definitions() != 0 || note_mentions() != 0) ndefinitions = 0;
}

/* ---- A run's compile ---- */

static const char *program; /* the text of the compile in progress */
static int program_length;
static int read_other_builtins; /* a "<builtin>" parse of other text (~/.jq) in this compile */

struct wanting {
    int *queue;
    int queued;
};

static void want(int name, struct wanting *w) {
    if (names[name].wanted) return;
    names[name].wanted = 1;
    w->queue[w->queued++] = name;
}

static void want_identifier(const char *identifier, int length, void *context) {
    int name = find_name(identifier, length);
    if (name >= 0) want(name, context);
}

static int is_word(const char *text, int length, const char *word) {
    return (int)strlen(word) == length && memcmp(text, word, (size_t)length) == 0;
}

/* Words after which the program may reach definitions its own text does not name. */
static void note_reaching_word(const char *identifier, int length, void *context) {
    static const char *const words[] = {"builtins", "import", "include", "modulemeta"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++)
        if (is_word(identifier, length, words[w])) *(int *)context = 1;
}

/* Marks the names the program reaches; 0 if it may reach any. */
static int mark_reachable(void) {
    int needs_everything = 0;
    for_each_identifier(program, 0, program_length, note_reaching_word, &needs_everything);
    int *queue = malloc(sizeof(int) * (size_t)(nnames + 1));
    if (needs_everything || !queue) {
        free(queue);
        return 0;
    }
    struct wanting w = {queue, 0};
    for (int i = 0; i < nnames; i++)
        if (names[i].text[0] == '_' || is_word(names[i].text, names[i].length, "error") ||
            is_word(names[i].text, names[i].length, "recurse"))
            want(i, &w);
    for_each_identifier(program, 0, program_length, want_identifier, &w);
    for (int next = 0; next < w.queued; next++)
        for (int d = names[queue[next]].first; d >= 0; d = definitions[d].next)
            for (int m = 0; m < definitions[d].nmentions; m++) want(definitions[d].mentions[m], &w);
    free(queue);
    return 1;
}

/* Writes the reachable definitions, in the source's order and each on a line of its own,
 * over the locfile's copy of the source (when they fit there); 0 if it did. */
static int prune(struct locfile *builtins) {
    for (int i = 0; i < nnames; i++) names[i].wanted = 0;
    if (!mark_reachable()) return -1;
    int length = 0;
    for (int i = 0; i < ndefinitions; i++)
        if (names[definitions[i].name].wanted) length += definitions[i].end - definitions[i].start + 1;
    if (length > builtins->length) return -1;
    length = 0;
    for (int i = 0; i < ndefinitions; i++) {
        const struct definition *d = &definitions[i];
        if (!names[d->name].wanted) continue;
        memcpy(builtins->data + length, source + d->start, (size_t)(d->end - d->start));
        length += d->end - d->start;
        builtins->data[length++] = '\n';
    }
    builtins->length = length;
    return 0;
}

static void unprune(struct locfile *builtins) {
    memcpy(builtins->data, source, (size_t)source_length);
    builtins->length = source_length;
}

static int is_named(const struct locfile *file, const char *name) {
    return jq.get_kind && jq.string_value && jq.get_kind(file->fname) == JV_KIND_STRING &&
           strcmp(jq.string_value(file->fname), name) == 0;
}

static int is_learnt_source(const struct locfile *file) {
    return ndefinitions > 0 && file->length == source_length && memcmp(file->data, source, (size_t)source_length) == 0;
}

static int catching; /* in the warm-up's compile */
static int have_kept; /* kept holds an unused parse of the whole source */
static block kept;

int jq_parse_library(struct locfile *file, block *answer) {
    look_up();
    if (!is_named(file, "<builtin>")) return jq.parse_library(file, answer);
    if (catching) {
        if (!source) learn_source(file);
        block copy;
        if (!have_kept && jq.parse_library(file, &copy) == 0) kept = copy, have_kept = 1;
        return jq.parse_library(file, answer);
    }
    if (!is_learnt_source(file)) {
        read_other_builtins = 1;
        return jq.parse_library(file, answer);
    }
    /* Whole definitions parse as they did in the whole source; should one not, the kept
     * parse stands in (libjq asserts that the builtins parse). */
    if (program && !read_other_builtins && prune(file) == 0) {
        if (jq.parse_library(file, answer) == 0) return 0;
        unprune(file);
    }
    if (have_kept) {
        *answer = kept;
        have_kept = 0;
        return 0;
    }
    return jq.parse_library(file, answer);
}

/* libjq parses a compile's program first, named "<top-level>" (jq_compile_args), then its
 * modules and libraries (through jq_parse_library, which calls this too). */
int jq_parse(struct locfile *file, block *answer) {
    look_up();
    if (!catching && is_named(file, "<top-level>")) {
        program = file->data;
        program_length = file->length;
        read_other_builtins = 0;
    }
    return jq.parse(file, answer);
}

/* Without HOME, the warm-up's compile reads no ~/.jq. Its jq_state stays: the kept parse's
 * locations point at it, as they would at the run's. */
void thaw_premain_warm_up(void) {
    look_up();
    if (!jq.parse || !jq.parse_library || !jq.init || !jq.compile) return; /* not jq */
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
