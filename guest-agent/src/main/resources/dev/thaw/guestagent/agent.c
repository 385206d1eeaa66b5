/* Thaw guest agent: PID 1 of the guest once the initramfs has mounted the root disk at
 * /newroot. Talks to the host with the framed protocol of agent-protocol/PROTOCOL.md.
 * This file holds start-up, the main loop and the handlers of PING, SEED, RUN and WARM. */
#define _GNU_SOURCE
#include "agent.h"
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct config cfg = {"/newroot", 1, 1, NULL, 1};

void log_msg(const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "thaw-agent: %s\n", line);
}

uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void describe_status(int status, char *out, size_t len) {
    if (WIFSIGNALED(status)) snprintf(out, len, "killed by signal %d", WTERMSIG(status));
    else snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
}

static void send_ready(uint64_t nonce) {
    struct buf body = {0};
    buf_u64(&body, nonce);
    buf_bytes(&body, THAW_AGENT_VERSION, strlen(THAW_AGENT_VERSION));
    buf_u32(&body, (resident_ready() ? READY_RESIDENT : 0) | (resident_loading() ? READY_RESIDENT_LOADING : 0));
    channel_write_frame(MSG_READY, &body);
    buf_free(&body);
}

/* The kernel's struct rand_pool_info with room for the largest SEED. */
struct entropy_pool {
    int entropy_count;
    int buf_size;
    uint8_t buf[512];
};

/* Fresh entropy and time from the host: clones of one snapshot must share neither. */
static void handle_seed(struct reader *r) {
    uint32_t len;
    const uint8_t *entropy = rd_bytes(r, &len);
    uint64_t unix_nanos = rd_u64(r);
    if (r->err || r->left || len < 32 || len > 512) {
        channel_send_failure("malformed SEED: it takes 32 to 512 bytes of entropy and an i64 time");
        return;
    }
    /* Host mode never touches the host's clock or RNG. */
    if (!cfg.connect) {
        struct entropy_pool pool = {(int)len * 8, (int)len, {0}};
        memcpy(pool.buf, entropy, len);
        int fd = open("/dev/urandom", O_RDWR | O_CLOEXEC);
        if (fd < 0 || ioctl(fd, RNDADDENTROPY, &pool) != 0 || ioctl(fd, RNDRESEEDCRNG) != 0) {
            channel_send_failure("reseeding the kernel RNG failed: %s", strerror(errno));
            if (fd >= 0) close(fd);
            return;
        }
        close(fd);
        struct timespec ts = {(time_t)((int64_t)unix_nanos / 1000000000), (long)((int64_t)unix_nanos % 1000000000)};
        if (clock_settime(CLOCK_REALTIME, &ts) != 0) {
            channel_send_failure("setting the clock failed: %s", strerror(errno));
            return;
        }
    }
    channel_write_frame(MSG_SEEDED, NULL);
}

static int valid_code_file(const char *name) {
    return name && name[0] && name[0] != '.' && !strchr(name, '/') && strlen(name) < 200;
}

static void send_result(const struct run_result *res) {
    struct buf body = {0};
    buf_u32(&body, (uint32_t)res->exit_code);
    buf_u32(&body, (uint32_t)res->signal);
    buf_u32(&body, res->flags);
    buf_u64(&body, res->duration_us);
    buf_bytes(&body, res->out.data, res->out.len);
    buf_bytes(&body, res->err.data, res->err.len);
    channel_write_frame(MSG_RESULT, &body);
    buf_free(&body);
}

static void handle_run(struct reader *r) {
    struct run_request req = {0};
    req.flags = rd_u32(r);
    req.timeout_ms = rd_u32(r);
    req.output_cap = rd_u32(r);
    req.code_file = rd_string(r);
    req.code = rd_bytes(r, &req.code_len);
    req.stdin_data = rd_bytes(r, &req.stdin_len);
    req.argv = rd_string_list(r, &req.argc);
    req.env = rd_string_list(r, &req.envc);
    if (req.output_cap > MAX_OUTPUT_CAP) req.output_cap = MAX_OUTPUT_CAP;
    if (r->err || r->left) {
        channel_send_failure("malformed RUN: its fields do not match PROTOCOL.md (or a string holds a NUL)");
    } else if (!valid_code_file(req.code_file)) {
        channel_send_failure("RUN code_file must be a plain file name not starting with '.', got \"%s\"",
                             req.code_file);
    } else if (!(req.flags & RUN_RESIDENT) && req.argc == 0) {
        channel_send_failure("RUN without the resident flag needs a non-empty argv");
    } else {
        struct run_result res = {0};
        char failure[512] = "";
        run_program(&req, &res, failure, sizeof failure);
        if (failure[0]) channel_send_failure("%s", failure);
        else send_result(&res);
        buf_free(&res.out);
        buf_free(&res.err);
    }
    free(req.code_file);
    free_list(req.argv, req.argc);
    free_list(req.env, req.envc);
}

/* WARM: the resident runner goes through its own warm-up again; RESULT with exit 0 once done. */
static void handle_warm(struct reader *r) {
    uint32_t timeout_ms = rd_u32(r);
    char failure[512] = "";
    uint64_t start = now_us();
    if (r->err || r->left) {
        channel_send_failure("malformed WARM: it takes a u32 timeout_ms");
    } else if (resident_warm(timeout_ms, failure, sizeof failure) != 0) {
        channel_send_failure("%s", failure);
    } else {
        struct run_result res = {0};
        res.duration_us = now_us() - start;
        send_result(&res);
    }
}

static void serve(void) {
    for (;;) {
        uint8_t *frame;
        uint32_t len;
        channel_read_frame(&frame, &len);
        struct reader r = {frame + 1, len - 1, 0};
        switch (frame[0]) {
        case MSG_PING: {
            uint64_t nonce = rd_u64(&r);
            if (r.err) channel_send_failure("malformed PING: it takes a u64 nonce");
            else send_ready(nonce);
            break;
        }
        case MSG_SEED: handle_seed(&r); break;
        case MSG_RUN: handle_run(&r); break;
        case MSG_PUT_FILE: handle_put_file(&r); break;
        case MSG_GET_FILE: handle_get_file(&r); break;
        case MSG_WARM: handle_warm(&r); break;
        /* The frame was read whole, so the stream is still in step: say so and go on. */
        default: channel_send_failure("unknown message type 0x%02x (agent version %s)", frame[0], THAW_AGENT_VERSION);
        }
        free(frame);
    }
}

/* Host mode (tests on a host, never in a guest):
 *   --channel-connect PATH  talk over a Unix socket the test listens on, exit when it closes
 *   --root DIR              the root filesystem (default /newroot)
 *   --no-chroot             run programs in the root's directories without chroot
 *   --no-setuid             run programs as the agent's own user
 * In a guest too (init passes it when the kernel command line says thaw.resident=off):
 *   --no-resident           do not start the image's resident runner */
static void parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--channel-connect") && i + 1 < argc) cfg.connect = argv[++i];
        else if (!strcmp(argv[i], "--root") && i + 1 < argc) cfg.root = argv[++i];
        else if (!strcmp(argv[i], "--no-chroot")) cfg.use_chroot = 0;
        else if (!strcmp(argv[i], "--no-setuid")) cfg.drop_privileges = 0;
        else if (!strcmp(argv[i], "--no-resident")) cfg.start_resident = 0;
        else log_msg("ignoring unknown argument %s", argv[i]);
    }
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    /* Writes to a program's stdin after it has exited must fail with EPIPE, not kill PID 1. */
    signal(SIGPIPE, SIG_IGN);
    if (channel_open() != 0) {
        if (getpid() != 1) return 1;
        for (;;) {
            reap_orphans();
            sleep(1); /* PID 1 must not exit: the kernel would panic */
        }
    }
    if (!cfg.start_resident) log_msg("resident runner not started (--no-resident)");
    else if (resident_start() != 0) log_msg("no resident runner; resident runs will fail");
    prepare_next_workdir();
    log_msg("version %s ready%s", THAW_AGENT_VERSION, resident_loading() ? ", resident runner loading" : "");
    send_ready(0);
    serve();
    return 0;
}
