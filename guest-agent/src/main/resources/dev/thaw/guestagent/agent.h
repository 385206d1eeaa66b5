/* Thaw guest agent: shared declarations. The protocol is specified in
 * agent-protocol/PROTOCOL.md; this header mirrors its constants. */
#ifndef THAW_AGENT_H
#define THAW_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef THAW_AGENT_VERSION
#define THAW_AGENT_VERSION "dev"
#endif

#define MAX_FRAME (64u << 20)
/* Two capped streams must fit one RESULT frame, with room for its other fields. */
#define MAX_OUTPUT_CAP ((32u << 20) - 1024u)
#define SANDBOX_UID 1000
#define SANDBOX_GID 1000

enum {
    MSG_PING = 0x01,
    MSG_SEED = 0x02,
    MSG_RUN = 0x03,
    MSG_PUT_FILE = 0x04,
    MSG_GET_FILE = 0x05,
    MSG_WARM = 0x06,
    MSG_READY = 0x81,
    MSG_SEEDED = 0x82,
    MSG_RESULT = 0x83,
    MSG_FAILURE = 0x84,
    MSG_FILE_STORED = 0x85,
    MSG_FILE_DATA = 0x86,
};

/* RUN_LAST: no run follows in this guest, so the resident runner may run it in place. */
enum { RUN_RESIDENT = 1, RUN_LAST = 2 };
/* READY_RESIDENT_LOADING: the runner was started and has not said READY yet. */
enum { READY_RESIDENT = 1, READY_RESIDENT_LOADING = 2 };
enum { RESULT_TIMED_OUT = 1, RESULT_STDOUT_TRUNCATED = 2, RESULT_STDERR_TRUNCATED = 4 };

/* How the agent runs: inside a guest (defaults) or on a host for tests (host mode). */
struct config {
    const char *root;    /* the language's root filesystem */
    int use_chroot;      /* run programs inside root */
    int drop_privileges; /* run programs as SANDBOX_UID */
    const char *connect; /* host mode: Unix socket to connect to instead of the virtio port */
    int start_resident;  /* start the image's resident runner (a cold boot, which needs none, does not) */
};
extern struct config cfg;

/* A growable byte buffer, used to build frames and collect output. */
struct buf {
    uint8_t *data;
    size_t len, cap;
};
void buf_put(struct buf *b, const void *data, size_t n);
void buf_u8(struct buf *b, uint8_t v);
void buf_u32(struct buf *b, uint32_t v);
void buf_u64(struct buf *b, uint64_t v);
void buf_bytes(struct buf *b, const void *data, size_t n);
void buf_free(struct buf *b);

/* A cursor over a received frame body; sets err instead of reading past the end. */
struct reader {
    const uint8_t *p;
    size_t left;
    int err;
};
uint32_t rd_u32(struct reader *r);
uint64_t rd_u64(struct reader *r);
const uint8_t *rd_bytes(struct reader *r, uint32_t *len);
char *rd_string(struct reader *r); /* malloc'd, NUL-terminated; NULL (and err) if it holds a NUL */
char **rd_string_list(struct reader *r, uint32_t *count);
void free_list(char **list, uint32_t count);

/* One program to run, decoded from a RUN frame. */
struct run_request {
    uint32_t flags, timeout_ms, output_cap;
    char *code_file;
    const uint8_t *code, *stdin_data;
    uint32_t code_len, stdin_len;
    uint32_t argc, envc;
    char **argv, **env;
};

struct run_result {
    int32_t exit_code, signal;
    uint32_t flags;
    uint64_t duration_us;
    struct buf out, err;
};

/* workdir.c: a run's working directory, seen from the agent and from the program. */
struct workdir {
    char guest[64];    /* path inside the root filesystem */
    char host[512];    /* the same directory seen by the agent */
    char visible[512]; /* what the program sees: the guest path when chrooted */
    char code[800];    /* the code file, as the program sees it */
};
/* The program's environment: NUL-separated NAME=value entries, one per name. */
int prepare_workdir(struct workdir *w, const struct run_request *req, struct buf *env, char *failure,
                    size_t failure_len);
void prepare_next_workdir(void);

/* A program's stdio: pipes whose child ends become its 0, 1, 2; the agent's ends are
 * non-blocking. A closed end is -1. */
struct pipes {
    int child[3]; /* the program's stdin (read end), stdout, stderr (write ends) */
    int in, out, err;
};
int open_pipes(struct pipes *p);
void close_pipes(struct pipes *p, int parent_ends);

/* run.c: fills res, or writes why it could not into failure. */
void run_program(const struct run_request *req, struct run_result *res, char *failure, size_t failure_len);
void reap_orphans(void);

/* resident.c */
int resident_start(void); /* starts the runner and returns at once: it loads while the agent serves */
int resident_ready(void);
int resident_loading(void);
/* The runner's socket while it loads, else -1: whoever waits for the host polls it too and
 * calls resident_poll_loading when it turns readable (or every second, for the time limit). */
int resident_loading_socket(void);
void resident_poll_loading(void);
void resident_reaped(pid_t pid, int status); /* called by whoever reaps a child */
/* Hands a program to the runner. *in_place is set when the runner itself becomes the
 * program: it is then the agent's child and ends like one, or reports the program's end
 * early with an EXIT line (resident_read_report); otherwise resident_socket() turns
 * readable when its EXIT line comes. */
int resident_submit(const char *workdir, const char *code_file, int last, int fds[3], pid_t *pid,
                    int *in_place, char *failure, size_t failure_len);
int resident_socket(void);
/* Has the runner go through its own warm-up again, in its own process (WARM): 0 once it has,
 * -1 with why not. A runner that cannot answers ERROR and goes on waiting for a program. */
int resident_warm(uint32_t timeout_ms, char *failure, size_t failure_len);
/* A kept-stdio runner's pipes for the last program: 1 with them in *p (now the caller's), 0 if none. */
int resident_take_stdio(struct pipes *p);
/* A whole line is already buffered (EXIT may come in the same read as PID). */
int resident_has_line(void);
/* 1 with *status set, 0 if the line is not complete yet, -1 (and a reason) if the runner died. */
int resident_read_exit(int *status, char *failure, size_t failure_len);
/* For a program run in place: 1 with *status when the runner reported its end, 0 if not
 * yet, -1 if the runner will not report (it closed the socket or sent something else). */
int resident_read_report(int *status);

/* files.c */
void handle_put_file(struct reader *r);
void handle_get_file(struct reader *r);

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_us(void);
void describe_status(int status, char *out, size_t len);

#endif
