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
#define SANDBOX_UID 1000
#define SANDBOX_GID 1000

enum {
    MSG_PING = 0x01,
    MSG_SEED = 0x02,
    MSG_RUN = 0x03,
    MSG_READY = 0x81,
    MSG_SEEDED = 0x82,
    MSG_RESULT = 0x83,
    MSG_FAILURE = 0x84,
};

enum { RUN_RESIDENT = 1 };
enum { READY_RESIDENT = 1 };
enum { RESULT_TIMED_OUT = 1, RESULT_STDOUT_TRUNCATED = 2, RESULT_STDERR_TRUNCATED = 4 };

/* How the agent runs: inside a guest (defaults) or on a host for tests. */
struct config {
    const char *root;     /* the language's root filesystem */
    int use_chroot;       /* run programs inside root */
    int drop_privileges;  /* run programs as SANDBOX_UID */
    int guest_clock;      /* SEED may set the clock and the kernel RNG */
    const char *connect;  /* host mode: Unix socket to connect to instead of the virtio port */
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
char *rd_string(struct reader *r); /* malloc'd, NUL-terminated */

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

/* run.c */
void run_program(const struct run_request *req, struct run_result *res, char *failure, size_t failure_len);
void reap_orphans(void);

/* resident.c */
int resident_start(void);
int resident_ready(void);
int resident_pid(void);
void resident_lost(int pid);
int resident_submit(const char *workdir, const char *code_file, int fds[3], pid_t *pid,
                    char *failure, size_t failure_len);
int resident_socket(void);
int resident_read_exit(int *status);

/* shared by run.c and resident.c */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
uint64_t now_us(void);

#endif
