/* Thaw's resident JVM runner (agent-protocol/PROTOCOL.md, "Resident runner").
 *
 * A JVM cannot fork, and the guest's JDK 17 can neither receive descriptors over a Unix
 * socket nor dup2, so this small C program holds the JVM instead: it creates one in its own
 * process through the JNI invocation API, warms the JDK's source launcher (javac included)
 * on a hello program, says READY, and waits inside the snapshot. It serves mode "here" only
 * (the guest's last program): it takes the program's descriptors as 0, 1 and 2, moves into
 * its working directory and environment, and runs the code file exactly as `java Main.java`
 * would, through the same class (com.sun.tools.javac.launcher.Main). Mode "fork" is refused:
 * the host sets the RUN flag resident only for last runs of such a language.
 *
 * Usage: jvm-runner [JVM option...]   (fd 3: the agent's socket)
 *
 * Built by the image builder with the host's gcc against the build JDK's jni.h: JNI's
 * function table only ever grows, so a newer header describes JDK 17's table correctly, and
 * the header spares us from writing that table by hand. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHANNEL 3
#define MAX_OPTIONS 64
#define WARM_UP_RUNS 3
/* The JVM's main thread runs on a thread of ours so that its stack size is ours to choose
 * (HotSpot's handling of the process's first thread is limited); 8 MiB is Linux's default. */
#define MAIN_STACK (8u << 20)

static const char WARM_UP_CODE[] =
    "public class Main {\n"
    "    public static void main(String[] args) {\n"
    "        StringBuilder out = new StringBuilder(\"hello\");\n"
    "        for (String a : args) out.append(' ').append(a);\n"
    "        System.out.println(out + \" \" + args.length);\n"
    "    }\n"
    "}\n";

static int option_count;
static char **option_text;
static JNIEnv *env;
static JavaVM *jvm;
static jclass launcher_class, system_class, fault_class, ite_class, string_class;

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
    jclass local = (*env)->FindClass(env, name);
    if (!local) {
        (*env)->ExceptionDescribe(env);
        die(name);
    }
    return (*env)->NewGlobalRef(env, local);
}

static void create_jvm(void) {
    typedef jint (*create_fn)(JavaVM **, void **, void *);
    create_fn create = (create_fn)dlsym(open_libjvm(), "JNI_CreateJavaVM");
    JavaVMOption options[MAX_OPTIONS];
    for (int i = 0; i < option_count; i++) options[i] = (JavaVMOption){.optionString = option_text[i]};
    JavaVMInitArgs args = {.version = JNI_VERSION_10, .nOptions = option_count, .options = options,
                           .ignoreUnrecognized = JNI_FALSE};
    if (!create || create(&jvm, (void **)&env, &args) != JNI_OK) die("cannot create the JVM");
    launcher_class = global_class("com/sun/tools/javac/launcher/Main");
    fault_class = global_class("com/sun/tools/javac/launcher/Main$Fault");
    ite_class = global_class("java/lang/reflect/InvocationTargetException");
    system_class = global_class("java/lang/System");
    string_class = global_class("java/lang/String");
}

static jobject call_static(jclass cls, const char *name, const char *sig, jobject a, jobject b) {
    return (*env)->CallStaticObjectMethod(env, cls, (*env)->GetStaticMethodID(env, cls, name, sig), a, b);
}

static jobject system_err(void) {
    return (*env)->GetStaticObjectField(env, system_class,
                                        (*env)->GetStaticFieldID(env, system_class, "err", "Ljava/io/PrintStream;"));
}

/* A String[] of `first` followed by `rest`. */
static jobjectArray string_array(const char *first, char **rest, int n) {
    jobjectArray array = (*env)->NewObjectArray(env, first ? n + 1 : 0, string_class, NULL);
    if (first) (*env)->SetObjectArrayElement(env, array, 0, (*env)->NewStringUTF(env, first));
    for (int i = 0; first && i < n; i++)
        (*env)->SetObjectArrayElement(env, array, i + 1, (*env)->NewStringUTF(env, rest[i]));
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

/* Runs `java <file> <args>` in this JVM through the JDK's own source launcher; its
 * diagnostics go to System.err. Returns the status `java` would exit with. */
static int launch(const char *file, char **args, int argc) {
    jobjectArray launcher_args = string_array(file, args, argc);
    jobject launcher = (*env)->NewObject(env, launcher_class,
                                         (*env)->GetMethodID(env, launcher_class, "<init>", "(Ljava/io/PrintStream;)V"),
                                         system_err());
    jmethodID run = (*env)->GetMethodID(env, launcher_class, "run", "([Ljava/lang/String;[Ljava/lang/String;)V");
    (*env)->CallVoidMethod(env, launcher, run, string_array(NULL, NULL, 0), launcher_args);
    jthrowable e = (*env)->ExceptionOccurred(env);
    if (!e) return 0;
    (*env)->ExceptionClear(env);
    jclass throwable = (*env)->FindClass(env, "java/lang/Throwable");
    if ((*env)->IsInstanceOf(env, e, fault_class)) { /* the source did not compile, or has no main */
        jobject message = (*env)->CallObjectMethod(
            env, e, (*env)->GetMethodID(env, throwable, "getMessage", "()Ljava/lang/String;"));
        jclass stream = (*env)->FindClass(env, "java/io/PrintStream");
        (*env)->CallVoidMethod(env, system_err(), (*env)->GetMethodID(env, stream, "println", "(Ljava/lang/String;)V"),
                               message);
    } else if ((*env)->IsInstanceOf(env, e, ite_class)) {
        uncaught((*env)->CallObjectMethod(env, e, (*env)->GetMethodID(env, throwable, "getCause",
                                                                      "()Ljava/lang/Throwable;")));
    } else {
        uncaught(e);
    }
    return 1;
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

/* The program's whole environment; System.getenv reads it on first use, which the warm-up
 * leaves to the program. The entries stay allocated: putenv keeps them. */
static void take_environment(const char *workdir) {
    size_t len = 0;
    int n;
    char *data = read_whole(workdir, ".thaw-env", &len);
    if (!data) return; /* the agent always writes it; without it the runner's own stays */
    char **env_entries = entries(data, len, &n);
    clearenv();
    for (int i = 0; i < n; i++)
        if (strchr(env_entries[i], '=')) putenv(env_entries[i]);
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

/* Compiles and runs a hello program a few times, its output discarded, so that javac's
 * classes are loaded and compiled to machine code before the snapshot. */
static void warm_up(void) {
    char dir[] = "/tmp/thaw-jvm-warm-up-XXXXXX", file[64];
    if (!mkdtemp(dir)) die("cannot make a directory for the warm-up");
    snprintf(file, sizeof file, "%s/Main.java", dir);
    FILE *f = fopen(file, "w");
    if (!f || fputs(WARM_UP_CODE, f) < 0 || fclose(f) != 0) die("cannot write the warm-up program");
    int saved = dup(1), null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0 || dup2(null, 1) < 0) die("cannot silence the warm-up");
    char *args[] = {"a", "b"};
    for (int i = 0; i < WARM_UP_RUNS; i++)
        if (launch(file, args, 2) != 0) die("the warm-up program failed");
    dup2(saved, 1);
    close(saved);
    close(null);
    unlink(file);
    rmdir(dir);
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
        int ok = nfds == 3 && parse(msg, (size_t)got, fields);
        if (ok && strcmp(fields[2], "here") == 0) run_here(fds, fields[0], fields[1]);
        for (int i = 0; i < nfds; i++) close(fds[i]);
        send_line(!ok ? "ERROR malformed request from the agent\n"
                      : "ERROR the JVM runner runs only a guest's last program (mode here): a JVM cannot fork\n");
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

int main(int argc, char **argv) {
    if (fcntl(CHANNEL, F_SETFD, FD_CLOEXEC) != 0) die("no agent socket on descriptor 3");
    if (argc - 1 > MAX_OPTIONS) die("too many JVM options");
    option_count = argc - 1;
    option_text = argv + 1;
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, MAIN_STACK);
    if (pthread_create(&thread, &attr, jvm_main, NULL) != 0) die("cannot start the JVM's main thread");
    pthread_join(thread, NULL);
    return 0;
}
