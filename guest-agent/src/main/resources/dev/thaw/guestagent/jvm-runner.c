/* Thaw's resident JVM runner (agent-protocol/PROTOCOL.md, "Resident runner").
 *
 * A JVM cannot fork, and the guest's JDK 17 can neither receive descriptors over a Unix
 * socket nor dup2, so this small C program holds the JVM instead: it creates one in its own
 * process through the JNI invocation API, warms a language's toolchain (java's source
 * launcher with javac, groovy, clojure, ...) on a hello program, says READY, and waits inside
 * the snapshot. It serves mode "here" (the guest's last program): it takes the
 * program's descriptors as 0, 1 and 2, moves into its working directory and environment, and
 * runs the code file through the same classes the language's own command calls, so that
 * output, diagnostics and exit status are that command's. Mode "warm" (a pooled sandbox's
 * WARM) runs the warm-up again and waits as before. Mode "fork" is refused: the host
 * sets the RUN flag resident only for last runs of such a language.
 *
 * Usage: jvm-runner --warm-up <file> [JVM option...] -- <class> [argument...] [-- <class> ...]
 *   (fd 3: the agent's socket)
 * Each `-- <class> <argument>...` is a step: a program runs as the steps' `main(String[])`
 * in order (kotlin: compile, then run), `{file}` standing for the code file's path and
 * `{args}` for the program's arguments; the class `-jar` runs the jar its first argument
 * names, as `java -jar` would. The warm-up file is run the same way, a few times,
 * in a directory of its own. In a -Djava.class.path option, an entry `dir/ *` (without the
 * space) stands for the directory's jars, as `java -cp` reads it.
 *
 * Built by the image builder with the host's gcc against the build JDK's jni.h: JNI's
 * function table only ever grows, so a newer header describes JDK 17's table correctly, and
 * the header spares us from writing that table by hand. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jni.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL 3
#define MAX_OPTIONS 64
#define MAX_STEPS 4
/* Warm-up runs: at least one, more while the warm-up has taken less than WARM_UP_SECONDS. A
 * slow toolchain under TCG (kotlinc's and scalac's first compile takes a minute or more) runs
 * once, which loads what a snapshot needs, rather than holding the snapshot for minutes. */
#define WARM_UP_RUNS 3
#define WARM_UP_SECONDS 25
/* The JVM's main thread runs on a thread of ours so that its stack size is ours to choose
 * (HotSpot's handling of the process's first thread is limited); 8 MiB is Linux's default. */
#define MAIN_STACK (8u << 20)

/* One step of a program: a class's static main(String[]) and the arguments it is given. */
struct step {
    const char *class_name;
    char **argv;
    int argc;
    jclass cls;
    jmethodID main;
};

static int option_count, step_count;
static char **option_text;
static const char *warm_up_file;
static struct step steps[MAX_STEPS];
static JNIEnv *env;
static JavaVM *jvm;
static jclass system_class, string_class;

static void die(const char *what) {
    fprintf(stderr, "jvm-runner: %s\n", what);
    _exit(70);
}

static void send_line(const char *text) {
    size_t len = strlen(text);
    if (send(CHANNEL, text, len, MSG_NOSIGNAL) != (ssize_t)len) _exit(71); /* the agent is gone */
}

/* The guest's JDK: Debian's default-java link if present, else wherever `java` resolves to. */
static void *open_libjvm(void) {
    const char *homes[] = {"/usr/lib/jvm/default-java/bin/java", "/usr/bin/java"};
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof homes / sizeof *homes; i++) {
        char real[PATH_MAX];
        if (!realpath(homes[i], real)) continue;
        char *bin = strstr(real, "/bin/java");
        if (!bin) continue;
        *bin = 0;
        snprintf(path, sizeof path, "%s/lib/server/libjvm.so", real);
        void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
        if (lib) return lib;
    }
    die("no JDK found (looked for /usr/lib/jvm/default-java and the `java` on /usr/bin)");
    return NULL;
}

static jclass global_class(const char *name) {
    char slashed[256];
    snprintf(slashed, sizeof slashed, "%s", name);
    for (char *c = slashed; *c; c++)
        if (*c == '.') *c = '/';
    jclass local = (*env)->FindClass(env, slashed);
    if (!local) {
        (*env)->ExceptionDescribe(env);
        die(name);
    }
    return (*env)->NewGlobalRef(env, local);
}

/* Appends `text` to a growing string. */
static void append(char **s, size_t *len, const char *text) {
    size_t add = strlen(text);
    if (!(*s = realloc(*s, *len + add + 1))) die("out of memory");
    memcpy(*s + *len, text, add + 1);
    *len += add;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_jar(const struct dirent *d) {
    size_t n = strlen(d->d_name);
    return n > 4 && (strcmp(d->d_name + n - 4, ".jar") == 0 || strcmp(d->d_name + n - 4, ".JAR") == 0);
}

/* A class path with each `dir/ *` entry replaced by the directory's jars (sorted, so that
 * the order does not depend on the file system); `java -cp` does this in its launcher, which
 * the invocation API skips. */
static char *expand_class_path(const char *option) {
    char *copy = strdup(option), *out = NULL, *save = NULL;
    size_t len = 0;
    const char *prefix = "-Djava.class.path=";
    append(&out, &len, prefix);
    for (char *entry = strtok_r(copy + strlen(prefix), ":", &save); entry; entry = strtok_r(NULL, ":", &save)) {
        size_t n = strlen(entry);
        struct dirent **jars;
        int count = n >= 2 && strcmp(entry + n - 2, "/*") == 0 ? (entry[n - 1] = 0, scandir(entry, &jars, is_jar, by_name)) : -1;
        if (count < 0) {
            append(&out, &len, len > strlen(prefix) ? ":" : "");
            append(&out, &len, entry);
        }
        for (int i = 0; i < count; i++) {
            append(&out, &len, len > strlen(prefix) ? ":" : "");
            append(&out, &len, entry);
            append(&out, &len, jars[i]->d_name);
            free(jars[i]);
        }
        if (count >= 0) free(jars);
    }
    free(copy);
    return out;
}

static void create_jvm(void) {
    typedef jint (*create_fn)(JavaVM **, void **, void *);
    create_fn create = (create_fn)dlsym(open_libjvm(), "JNI_CreateJavaVM");
    JavaVMOption options[MAX_OPTIONS];
    for (int i = 0; i < option_count; i++) {
        char *text = option_text[i];
        if (strncmp(text, "-Djava.class.path=", 18) == 0) text = expand_class_path(text);
        options[i] = (JavaVMOption){.optionString = text};
    }
    JavaVMInitArgs args = {.version = JNI_VERSION_10, .nOptions = option_count, .options = options,
                           .ignoreUnrecognized = JNI_FALSE};
    if (!create || create(&jvm, (void **)&env, &args) != JNI_OK) die("cannot create the JVM");
    system_class = global_class("java.lang.System");
    string_class = global_class("java.lang.String");
    for (int i = 0; i < step_count; i++) {
        if (strcmp(steps[i].class_name, "-jar") == 0) continue; /* its class is the jar's, known when it runs */
        steps[i].cls = global_class(steps[i].class_name);
        steps[i].main = (*env)->GetStaticMethodID(env, steps[i].cls, "main", "([Ljava/lang/String;)V");
        if (!steps[i].main) die("a step's class has no main(String[])");
    }
}

static jobject call_static(jclass cls, const char *name, const char *sig, jobject a, jobject b) {
    return (*env)->CallStaticObjectMethod(env, cls, (*env)->GetStaticMethodID(env, cls, name, sig), a, b);
}

/* A step's arguments as a String[]: {file} is the code file, {args} the program's arguments. */
static jobjectArray step_arguments(const struct step *s, const char *file, char **args, int argc) {
    int n = 0;
    for (int i = 0; i < s->argc; i++) n += strcmp(s->argv[i], "{args}") == 0 ? argc : 1;
    jobjectArray array = (*env)->NewObjectArray(env, n, string_class, NULL);
    int at = 0;
    for (int i = 0; i < s->argc; i++) {
        if (strcmp(s->argv[i], "{args}") == 0) {
            for (int j = 0; j < argc; j++) (*env)->SetObjectArrayElement(env, array, at++, (*env)->NewStringUTF(env, args[j]));
        } else {
            const char *text = strcmp(s->argv[i], "{file}") == 0 ? file : s->argv[i];
            (*env)->SetObjectArrayElement(env, array, at++, (*env)->NewStringUTF(env, text));
        }
    }
    return array;
}

/* What `java` does with an exception that leaves main: the thread's uncaught-exception
 * handler prints it (a program may have installed its own) and the exit status is 1. */
static void uncaught(jthrowable e) {
    jclass thread = (*env)->FindClass(env, "java/lang/Thread");
    jobject current = call_static(thread, "currentThread", "()Ljava/lang/Thread;", NULL, NULL);
    jmethodID dispatch = (*env)->GetMethodID(env, thread, "dispatchUncaughtException", "(Ljava/lang/Throwable;)V");
    (*env)->CallVoidMethod(env, current, dispatch, e);
    if ((*env)->ExceptionCheck(env)) (*env)->ExceptionClear(env);
}

static jobject call(jobject target, const char *name, const char *sig, jobject a) {
    jclass cls = (*env)->GetObjectClass(env, target);
    return (*env)->CallObjectMethod(env, target, (*env)->GetMethodID(env, cls, name, sig), a);
}

static jobject new_object(const char *class_name, const char *sig, jobject a, jobject b) {
    jclass cls = (*env)->FindClass(env, class_name);
    return (*env)->NewObject(env, cls, (*env)->GetMethodID(env, cls, "<init>", sig), a, b);
}

/* A step `-jar <jar> <argument>...`: what `java -jar` does, in this JVM. The jar's Main-Class
 * comes from a fresh class loader over the jar, whose parent is the system class loader (so
 * that a jar compiled without its language's runtime finds the runtime on the runner's class
 * path), and is the thread's context class loader while it runs. Leaves any exception
 * pending. */
static void run_jar(jobjectArray arguments) {
    jobject jar = (*env)->GetObjectArrayElement(env, arguments, 0);
    jsize n = (*env)->GetArrayLength(env, arguments);
    jobjectArray rest = (*env)->NewObjectArray(env, n - 1, string_class, NULL);
    for (jsize i = 1; i < n; i++) (*env)->SetObjectArrayElement(env, rest, i - 1, (*env)->GetObjectArrayElement(env, arguments, i));
    jobject file = new_object("java/io/File", "(Ljava/lang/String;)V", jar, NULL);
    jobject jar_file = new_object("java/util/jar/JarFile", "(Ljava/io/File;)V", file, NULL);
    if ((*env)->ExceptionCheck(env)) return;
    jobject manifest = call(jar_file, "getManifest", "()Ljava/util/jar/Manifest;", NULL);
    jobject attributes = manifest ? call(manifest, "getMainAttributes", "()Ljava/util/jar/Attributes;", NULL) : NULL;
    jobject main_class = attributes ? call(attributes, "getValue", "(Ljava/lang/String;)Ljava/lang/String;",
                                           (*env)->NewStringUTF(env, "Main-Class")) : NULL;
    if (!main_class) {
        (*env)->ThrowNew(env, (*env)->FindClass(env, "java/lang/IllegalStateException"), "no main manifest attribute in the jar");
        return;
    }
    jclass url_class = (*env)->FindClass(env, "java/net/URL");
    jobjectArray urls = (*env)->NewObjectArray(env, 1, url_class, call(call(file, "toURI", "()Ljava/net/URI;", NULL),
                                                                      "toURL", "()Ljava/net/URL;", NULL));
    jobject system_loader = call_static((*env)->FindClass(env, "java/lang/ClassLoader"), "getSystemClassLoader",
                                        "()Ljava/lang/ClassLoader;", NULL, NULL);
    jobject loader = new_object("java/net/URLClassLoader", "([Ljava/net/URL;Ljava/lang/ClassLoader;)V", urls, system_loader);
    jclass thread = (*env)->FindClass(env, "java/lang/Thread");
    jobject current = call_static(thread, "currentThread", "()Ljava/lang/Thread;", NULL, NULL);
    (*env)->CallVoidMethod(env, current, (*env)->GetMethodID(env, thread, "setContextClassLoader", "(Ljava/lang/ClassLoader;)V"), loader);
    jclass cls = (jclass)call(loader, "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;", main_class);
    jmethodID main = cls ? (*env)->GetStaticMethodID(env, cls, "main", "([Ljava/lang/String;)V") : NULL;
    if (main) (*env)->CallStaticVoidMethod(env, cls, main, rest);
}

/* Runs the program in `file` with `args` in this JVM, step by step, as the language's own
 * command would (a step that ends the process with System.exit ends the run there).
 * Returns the status that command would exit with. */
static int launch(const char *file, char **args, int argc) {
    for (int i = 0; i < step_count; i++) {
        jobjectArray arguments = step_arguments(&steps[i], file, args, argc);
        if (steps[i].cls) {
            (*env)->CallStaticVoidMethod(env, steps[i].cls, steps[i].main, arguments);
        } else {
            run_jar(arguments);
        }
        jthrowable e = (*env)->ExceptionOccurred(env);
        if (e) {
            (*env)->ExceptionClear(env);
            uncaught(e);
            return 1;
        }
    }
    return 0;
}

/* The JVM caches its working directory at start (the user.dir property, java.io's and
 * java.nio's file systems), and a program run in place must see the one the agent made for
 * it. JNI reaches these private fields without opening java.base to the program. */
static void move_jvm_to(const char *workdir) {
    jstring dir = (*env)->NewStringUTF(env, workdir);
    call_static(system_class, "setProperty", "(Ljava/lang/String;Ljava/lang/String;)Ljava/lang/String;",
                (*env)->NewStringUTF(env, "user.dir"), dir);
    jclass file = (*env)->FindClass(env, "java/io/File");
    jobject io = (*env)->GetStaticObjectField(env, file, (*env)->GetStaticFieldID(env, file, "fs", "Ljava/io/FileSystem;"));
    (*env)->SetObjectField(env, io, (*env)->GetFieldID(env, (*env)->GetObjectClass(env, io), "userDir", "Ljava/lang/String;"),
                           dir);
    jclass systems = (*env)->FindClass(env, "java/nio/file/FileSystems");
    jobject nio = call_static(systems, "getDefault", "()Ljava/nio/file/FileSystem;", NULL, NULL);
    jclass unix_fs = (*env)->FindClass(env, "sun/nio/fs/UnixFileSystem");
    jbyteArray bytes = (*env)->NewByteArray(env, (jsize)strlen(workdir));
    (*env)->SetByteArrayRegion(env, bytes, 0, (jsize)strlen(workdir), (const jbyte *)workdir);
    (*env)->SetObjectField(env, nio, (*env)->GetFieldID(env, unix_fs, "defaultDirectory", "[B"), bytes);
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionDescribe(env);
        die("cannot move the JVM to the program's working directory");
    }
}

/* A whole small file of the agent's, NUL-terminated; NULL if it is not there. */
static char *read_whole(const char *dir, const char *name, size_t *len) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *data = NULL;
    size_t cap = 0;
    *len = 0;
    for (size_t got = 1; got > 0; *len += got) {
        if (cap - *len < 4096 && !(data = realloc(data, cap += 65536))) die("out of memory");
        got = fread(data + *len, 1, cap - *len - 1, f);
    }
    fclose(f);
    data[*len] = 0;
    return data;
}

/* NUL-separated entries of a file, as the agent writes .thaw-env and .thaw-args. */
static char **entries(char *data, size_t len, int *n) {
    char **all = calloc(len / 2 + 2, sizeof *all);
    if (!all) die("out of memory");
    *n = 0;
    for (size_t at = 0; data && at < len; at += strlen(data + at) + 1) all[(*n)++] = data + at;
    return all;
}

/* System.getenv's copy of the environment (java.lang.ProcessEnvironment, read once): a
 * toolchain's warm-up may have read it already (kotlinc does), so it is filled again from the
 * process's environment, in place, as the class's initialiser fills it (the map, not the
 * static final field that holds it, which compiled code may have folded). */
static void refresh_java_environment(void) {
    jclass pe = (*env)->FindClass(env, "java/lang/ProcessEnvironment");
    jclass variable = (*env)->FindClass(env, "java/lang/ProcessEnvironment$Variable");
    jclass value = (*env)->FindClass(env, "java/lang/ProcessEnvironment$Value");
    jobject map = (*env)->GetStaticObjectField(env, pe, (*env)->GetStaticFieldID(env, pe, "theEnvironment", "Ljava/util/HashMap;"));
    jobjectArray environ = (jobjectArray)(*env)->CallStaticObjectMethod(env, pe, (*env)->GetStaticMethodID(env, pe, "environ", "()[[B"));
    jmethodID variable_of = (*env)->GetStaticMethodID(env, variable, "valueOf", "([B)Ljava/lang/ProcessEnvironment$Variable;");
    jmethodID value_of = (*env)->GetStaticMethodID(env, value, "valueOf", "([B)Ljava/lang/ProcessEnvironment$Value;");
    if ((*env)->ExceptionCheck(env) || !map || !environ) {
        (*env)->ExceptionDescribe(env);
        die("cannot give the JVM the program's environment");
    }
    (*env)->CallVoidMethod(env, map, (*env)->GetMethodID(env, (*env)->GetObjectClass(env, map), "clear", "()V"));
    jmethodID put = (*env)->GetMethodID(env, (*env)->GetObjectClass(env, map), "put",
                                        "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;");
    for (jsize i = 0; i + 1 < (*env)->GetArrayLength(env, environ); i += 2) {
        jobject name = (*env)->CallStaticObjectMethod(env, variable, variable_of, (*env)->GetObjectArrayElement(env, environ, i));
        jobject text = (*env)->CallStaticObjectMethod(env, value, value_of, (*env)->GetObjectArrayElement(env, environ, i + 1));
        (*env)->CallObjectMethod(env, map, put, name, text);
    }
}

/* The program's whole environment, for getenv(3) and System.getenv. The entries stay
 * allocated: putenv keeps them. */
static void take_environment(const char *workdir) {
    size_t len = 0;
    int n;
    char *data = read_whole(workdir, ".thaw-env", &len);
    if (!data) return; /* the agent always writes it; without it the runner's own stays */
    char **env_entries = entries(data, len, &n);
    clearenv();
    for (int i = 0; i < n; i++)
        if (strchr(env_entries[i], '=')) putenv(env_entries[i]);
    refresh_java_environment();
}

/* What `java` does after main: wait for the program's other non-daemon threads and run its
 * shutdown hooks (DestroyJavaVM). Then the program's streams are closed, so the agent has
 * all its output, and the status is reported before the exit (freeing the JVM's memory
 * takes a while under TCG). A program calling System.exit never gets here: the agent takes
 * its status from the exit. */
static void finish(int status) {
    (*jvm)->DestroyJavaVM(jvm);
    for (int fd = 0; fd < 3; fd++) close(fd);
    char line[32];
    snprintf(line, sizeof line, "EXIT %d\n", (status & 0xFF) << 8);
    send(CHANNEL, line, strlen(line), MSG_NOSIGNAL);
    _exit(status);
}

static void run_here(const int fds[3], const char *workdir, const char *code_file) {
    char line[32];
    snprintf(line, sizeof line, "PID %d\n", (int)getpid());
    send_line(line);
    for (int fd = 0; fd < 3; fd++) dup2(fds[fd], fd);
    for (int fd = 0; fd < 3; fd++)
        if (fds[fd] > 2) close(fds[fd]);
    if (chdir(workdir) != 0) {
        fprintf(stderr, "jvm-runner: cannot enter %s: %s\n", workdir, strerror(errno));
        finish(1);
    }
    take_environment(workdir);
    move_jvm_to(workdir);
    size_t len = 0;
    int argc;
    char *data = read_whole(workdir, ".thaw-args", &len);
    char **args = entries(data, len, &argc);
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/%s", workdir, code_file);
    finish(launch(file, args, argc));
}

/* The warm-up program, copied under its own name into a fresh directory (a toolchain may
 * write beside it, as kotlinc writes its jar). Returns the copy's path. */
static char *copy_warm_up(char *dir) {
    if (!mkdtemp(dir)) die("cannot make a directory for the warm-up");
    size_t len = 0;
    char *code = read_whole("", warm_up_file, &len);
    const char *name = strrchr(warm_up_file, '/');
    static char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/%s", dir, name ? name + 1 : warm_up_file);
    FILE *f = fopen(file, "w");
    if (!code || !f || fwrite(code, 1, len, f) != len || fclose(f) != 0) die("cannot copy the warm-up program");
    free(code);
    return file;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* A full collection after the warm-up: what the toolchain left is garbage the snapshot would
 * otherwise carry, and with -XX:MaxHeapFreeRatio the heap shrinks and gives the emptied
 * pages back to the kernel, where the snapshot maker's zeroing finds them. */
static void collect_garbage(void) {
    jclass system = (*env)->FindClass(env, "java/lang/System");
    jmethodID gc = system ? (*env)->GetStaticMethodID(env, system, "gc", "()V") : NULL;
    if (!gc) die("java.lang.System.gc is missing");
    (*env)->CallStaticVoidMethod(env, system, gc);
    if ((*env)->ExceptionCheck(env)) die("System.gc failed");
}

/* Runs the warm-up program a few times, its output discarded, so that the toolchain's
 * classes are loaded and compiled to machine code before the snapshot. */
static void warm_up(void) {
    char dir[] = "/tmp/thaw-jvm-warm-up-XXXXXX";
    char *file = copy_warm_up(dir);
    if (chdir(dir) != 0) die("cannot enter the warm-up directory");
    move_jvm_to(dir);
    int saved = dup(1), null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0 || dup2(null, 1) < 0) die("cannot silence the warm-up");
    char *args[] = {"a", "b"};
    time_t start = time(NULL);
    for (int i = 0; i < WARM_UP_RUNS && (i == 0 || time(NULL) - start < WARM_UP_SECONDS); i++)
        if (launch(file, args, 2) != 0) die("the warm-up program failed");
    dup2(saved, 1);
    close(saved);
    close(null);
    if (chdir("/") != 0 || nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS) != 0) die("cannot remove the warm-up directory");
    collect_garbage();
}

/* One request: the message's bytes and up to three descriptors; 0 when the agent is gone. */
static ssize_t receive(char *msg, size_t size, int fds[3], int *nfds) {
    char control[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = {msg, size};
    struct msghdr hdr = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t got;
    while ((got = recvmsg(CHANNEL, &hdr, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    *nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&hdr); c; c = CMSG_NXTHDR(&hdr, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < n && *nfds < 3; i++) memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    return got;
}

/* RUN\0<workdir>\0<code_file>\0<mode>\0 into its three fields; 0 if malformed. */
static int parse(char *msg, size_t len, char *fields[3]) {
    if (len < 4 || msg[len - 1] != 0 || strcmp(msg, "RUN") != 0) return 0;
    size_t at = 4;
    for (int i = 0; i < 3; i++, at += strlen(msg + at) + 1) {
        if (at >= len) return 0;
        fields[i] = msg + at;
    }
    return at == len;
}

static void serve(void) {
    for (;;) {
        char msg[8192], *fields[3];
        int fds[3], nfds;
        ssize_t got = receive(msg, sizeof msg, fds, &nfds);
        if (got <= 0) _exit(0); /* the agent closed its end */
        int ok = parse(msg, (size_t)got, fields);
        if (ok && nfds == 3 && strcmp(fields[2], "here") == 0) run_here(fds, fields[0], fields[1]);
        if (ok && nfds == 0 && strcmp(fields[2], "warm") == 0) {
            /* A pooled sandbox's warm-up (WARM): HotSpot generates its interpreter and compiles
             * methods into this process's own memory, so warm-up runs of the language's command,
             * JVMs of their own, leave this one's code cold. */
            warm_up();
            send_line("EXIT 0\n");
            continue;
        }
        for (int i = 0; i < nfds; i++) close(fds[i]);
        send_line(!ok || nfds != 3 ? "ERROR malformed request from the agent\n"
                                   : "ERROR the JVM runner runs only a guest's last program (mode here) and its "
                                     "warm-up (mode warm): a JVM cannot fork\n");
    }
}

static void *jvm_main(void *unused) {
    (void)unused;
    create_jvm();
    warm_up();
    send_line("READY\n");
    serve();
    return NULL;
}

/* --warm-up <file> [JVM option...] -- <class> [argument...] [-- <class> [argument...]...] */
static void parse_arguments(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "--warm-up") != 0) die("usage: jvm-runner --warm-up <file> [JVM option...] -- <class> [argument...]");
    warm_up_file = argv[2];
    option_text = argv + 3;
    int i = 3;
    while (i < argc && strcmp(argv[i], "--") != 0) i++;
    option_count = i - 3;
    if (option_count > MAX_OPTIONS) die("too many JVM options");
    while (i < argc) { /* at a "--" */
        if (step_count == MAX_STEPS || i + 1 >= argc) die("a step needs a class (at most 4 steps)");
        struct step *s = &steps[step_count++];
        s->class_name = argv[++i];
        s->argv = argv + ++i;
        while (i < argc && strcmp(argv[i], "--") != 0) i++;
        s->argc = (int)(argv + i - s->argv);
    }
    if (step_count == 0) die("no class to run a program with (-- <class> ...)");
}

int main(int argc, char **argv) {
    if (fcntl(CHANNEL, F_SETFD, FD_CLOEXEC) != 0) die("no agent socket on descriptor 3");
    parse_arguments(argc, argv);
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, MAIN_STACK);
    if (pthread_create(&thread, &attr, jvm_main, NULL) != 0) die("cannot start the JVM's main thread");
    pthread_join(thread, NULL);
    return 0;
}
