/* Thaw guest agent: PID 1 of the guest once the initramfs has mounted the root disk.
 * Talks to the host over the virtio-serial port "thaw.agent" with the framed protocol of
 * agent-protocol/PROTOCOL.md. This file holds the channel, framing and the main loop. */
#define _GNU_SOURCE
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct config cfg = {"/newroot", 1, 1, 1, NULL};

static int channel = -1;

void log_msg(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "thaw-agent: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

uint64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void pause_briefly(void) {
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* The virtio console port whose name is "thaw.agent"; device nodes appear asynchronously. */
static int open_port(void) {
    for (int attempt = 0; attempt < 2000; attempt++) {
        DIR *dir = opendir("/sys/class/virtio-ports");
        struct dirent *entry;
        while (dir && (entry = readdir(dir)) != NULL) {
            char path[512], name[64] = {0};
            snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", entry->d_name);
            FILE *f = fopen(path, "r");
            if (!f) continue;
            if (fgets(name, sizeof name, f) && strncmp(name, "thaw.agent", 10) == 0) {
                fclose(f);
                closedir(dir);
                snprintf(path, sizeof path, "/dev/%s", entry->d_name);
                int fd = open(path, O_RDWR | O_CLOEXEC);
                if (fd >= 0) return fd;
                dir = NULL;
                break;
            }
            fclose(f);
        }
        if (dir) closedir(dir);
        pause_briefly();
    }
    log_msg("no virtio port named thaw.agent");
    return -1;
}

static int connect_socket(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        log_msg("cannot connect to %s: %s", path, strerror(errno));
        return -1;
    }
    return fd;
}

/* Reads exactly n bytes. A virtio port reads 0 while no host is connected (after a
 * restore, until the new VMM's socket has a client): wait and retry, never give up. */
static void read_full(void *buf, size_t n) {
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = read(channel, p, n);
        if (got > 0) {
            p += got;
            n -= (size_t)got;
        } else if (got == 0 && cfg.connect) {
            exit(0); /* host mode: the test closed its end */
        } else if (got == 0 || errno == EAGAIN || errno == EINTR) {
            pause_briefly();
            reap_orphans();
        } else {
            log_msg("channel read failed: %s", strerror(errno));
            pause_briefly();
        }
    }
}

static void write_frame(uint8_t type, const struct buf *body) {
    struct buf frame = {0};
    buf_u32(&frame, (uint32_t)(1 + (body ? body->len : 0)));
    buf_u8(&frame, type);
    if (body) buf_put(&frame, body->data, body->len);
    size_t off = 0;
    while (off < frame.len) {
        ssize_t put = write(channel, frame.data + off, frame.len - off);
        if (put > 0) {
            off += (size_t)put;
        } else if (put < 0 && errno == EINTR) {
            continue;
        } else {
            log_msg("channel write failed: %s; frame dropped", put < 0 ? strerror(errno) : "no progress");
            break;
        }
    }
    buf_free(&frame);
}

static void send_ready(uint64_t nonce) {
    struct buf body = {0};
    buf_u64(&body, nonce);
    buf_bytes(&body, THAW_AGENT_VERSION, strlen(THAW_AGENT_VERSION));
    buf_u32(&body, resident_ready() ? READY_RESIDENT : 0);
    write_frame(MSG_READY, &body);
    buf_free(&body);
}

static void send_failure(const char *message) {
    struct buf body = {0};
    buf_bytes(&body, message, strlen(message));
    write_frame(MSG_FAILURE, &body);
    buf_free(&body);
}

/* Fresh entropy and time from the host: clones of one snapshot must not share either. */
static void handle_seed(struct reader *r) {
    uint32_t len;
    const uint8_t *entropy = rd_bytes(r, &len);
    uint64_t unix_nanos = rd_u64(r);
    if (r->err || len < 32 || len > 512) {
        send_failure("SEED needs 32 to 512 bytes of entropy and a time");
        return;
    }
    if (cfg.guest_clock) {
        struct {
            int entropy_count;
            int buf_size;
            uint8_t buf[512];
        } pool = {(int)len * 8, (int)len, {0}};
        memcpy(pool.buf, entropy, len);
        int fd = open("/dev/urandom", O_RDWR | O_CLOEXEC);
        if (fd < 0 || ioctl(fd, RNDADDENTROPY, &pool) != 0 || ioctl(fd, RNDRESEEDCRNG) != 0)
            log_msg("reseeding the kernel RNG failed: %s", strerror(errno));
        if (fd >= 0) close(fd);
        struct timespec ts = {(time_t)(unix_nanos / 1000000000u), (long)(unix_nanos % 1000000000u)};
        if (clock_settime(CLOCK_REALTIME, &ts) != 0) log_msg("setting the clock failed: %s", strerror(errno));
    }
    write_frame(MSG_SEEDED, NULL);
}

static char **rd_string_list(struct reader *r, uint32_t *count) {
    *count = rd_u32(r);
    if (r->err || *count > 4096) {
        r->err = 1;
        return NULL;
    }
    char **list = calloc(*count + 1, sizeof *list);
    for (uint32_t i = 0; i < *count && !r->err; i++) list[i] = rd_string(r);
    return list;
}

static void free_list(char **list, uint32_t count) {
    for (uint32_t i = 0; list && i < count; i++) free(list[i]);
    free(list);
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
    if (r->err || !req.code_file || strchr(req.code_file, '/') || req.code_file[0] == '.' ||
        (!(req.flags & RUN_RESIDENT) && req.argc == 0)) {
        send_failure("malformed RUN: bad field encoding, code file name or empty argv");
    } else {
        struct run_result res = {0};
        char failure[512] = {0};
        run_program(&req, &res, failure, sizeof failure);
        if (failure[0]) {
            send_failure(failure);
        } else {
            struct buf body = {0};
            buf_u32(&body, (uint32_t)res.exit_code);
            buf_u32(&body, (uint32_t)res.signal);
            buf_u32(&body, res.flags);
            buf_u64(&body, res.duration_us);
            buf_bytes(&body, res.out.data, res.out.len);
            buf_bytes(&body, res.err.data, res.err.len);
            write_frame(MSG_RESULT, &body);
            buf_free(&body);
        }
        buf_free(&res.out);
        buf_free(&res.err);
    }
    free(req.code_file);
    free_list(req.argv, req.argc);
    free_list(req.env, req.envc);
}

static void serve(void) {
    for (;;) {
        uint8_t head[4];
        read_full(head, 4);
        uint32_t len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
        if (len == 0 || len > MAX_FRAME) {
            log_msg("frame length %u out of range; stream cannot be resynchronised", len);
            exit(1);
        }
        uint8_t *frame = malloc(len);
        read_full(frame, len);
        if (getenv("THAW_AGENT_TRACE")) log_msg("frame type 0x%02x, %u bytes", frame[0], len);
        struct reader r = {frame + 1, len - 1, 0};
        switch (frame[0]) {
        case MSG_PING: send_ready(rd_u64(&r)); break;
        case MSG_SEED: handle_seed(&r); break;
        case MSG_RUN: handle_run(&r); break;
        default: log_msg("unknown message type 0x%02x", frame[0]); exit(1);
        }
        free(frame);
        reap_orphans();
    }
}

static void parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--channel-connect") && i + 1 < argc) cfg.connect = argv[++i];
        else if (!strcmp(argv[i], "--root") && i + 1 < argc) cfg.root = argv[++i];
        else if (!strcmp(argv[i], "--no-chroot")) cfg.use_chroot = 0;
        else if (!strcmp(argv[i], "--no-setuid")) cfg.drop_privileges = 0;
        else log_msg("ignoring unknown argument %s", argv[i]);
    }
    /* Host mode is for tests: never touch the host's clock or RNG. */
    if (cfg.connect) cfg.guest_clock = 0;
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    channel = cfg.connect ? connect_socket(cfg.connect) : open_port();
    if (channel < 0) {
        if (getpid() != 1) return 1;
        for (;;) pause(); /* PID 1 must not exit: the kernel would panic without a message */
    }
    if (resident_start() != 0) log_msg("no resident runner; resident runs will fail");
    log_msg("version %s ready%s", THAW_AGENT_VERSION, resident_ready() ? ", resident runner loaded" : "");
    send_ready(0);
    serve();
    return 0;
}
