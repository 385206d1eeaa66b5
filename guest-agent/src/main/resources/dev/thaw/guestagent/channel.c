/* The channel to the host: the virtio-serial port named "thaw.agent" in a guest, or a Unix
 * socket in host mode (tests). Frames in, frames out; never gives up on the host.
 *
 * A virtio console port whose host side is not connected (no client on the VMM's socket,
 * e.g. after a restore until the host connects) reports POLLHUP and reads return 0 at
 * once. That is not an end: the agent sleeps briefly and tries again. A frame cut short by
 * such a disconnect is dropped, so the next host starts on a frame boundary. */
#define _GNU_SOURCE
#include "agent.h"
#include "channel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define IDLE_POLL_MS 1000

static int chan = -1;

static void pause_briefly(void) {
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

/* The port's device node appears asynchronously after the virtio modules load. */
static int open_port(void) {
    for (int attempt = 0; attempt < 2000; attempt++) {
        DIR *dir = opendir("/sys/class/virtio-ports");
        struct dirent *entry;
        char found[300] = "";
        while (dir && !found[0] && (entry = readdir(dir)) != NULL) {
            char path[512], name[64] = "";
            snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", entry->d_name);
            FILE *f = fopen(path, "r");
            if (!f) continue;
            if (fgets(name, sizeof name, f)) {
                name[strcspn(name, "\n")] = 0;
                if (strcmp(name, "thaw.agent") == 0) snprintf(found, sizeof found, "/dev/%s", entry->d_name);
            }
            fclose(f);
        }
        if (dir) closedir(dir);
        int fd = found[0] ? open(found, O_RDWR | O_NONBLOCK | O_CLOEXEC) : -1;
        if (fd >= 0) return fd;
        pause_briefly();
    }
    log_msg("no virtio port named thaw.agent under /sys/class/virtio-ports");
    return -1;
}

/* Host mode: connect to the test's socket. */
static int connect_socket(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        log_msg("cannot connect to %s: %s", path, strerror(errno));
        return -1;
    }
    return fd;
}

int channel_open(void) {
    chan = cfg.connect ? connect_socket(cfg.connect) : open_port();
    return chan < 0 ? -1 : 0;
}

/* In a guest the host may come back; in host mode the test has finished. */
static void host_gone(void) {
    if (cfg.connect) {
        log_msg("host closed the channel; exiting (host mode)");
        exit(0);
    }
}

/* Waits for events on the channel, reaping orphans meanwhile (as PID 1 the agent inherits
 * every orphaned process of the guest) and taking a loading resident runner's READY when it
 * comes. Returns 1 if ready, 0 if the host is not connected. */
static int wait_for(short events) {
    for (;;) {
        struct pollfd p[2] = {{chan, events, 0}, {resident_loading_socket(), POLLIN, 0}};
        int rc = poll(p, 2, IDLE_POLL_MS);
        reap_orphans();
        resident_poll_loading();
        if (rc > 0 && (p[0].revents & events)) return 1;
        if (rc > 0 && p[0].revents) return 0; /* POLLHUP or POLLERR alone */
        if (rc < 0 && errno != EINTR) {
            log_msg("poll on the channel failed: %s", strerror(errno));
            pause_briefly();
        }
    }
}

/* Reads exactly n bytes. Returns 1, or 0 if the host went away after part of a frame. */
static int read_exact(uint8_t *p, size_t n, int mid_frame) {
    while (n > 0) {
        ssize_t got = wait_for(POLLIN) ? read(chan, p, n) : 0;
        if (got > 0) {
            p += got;
            n -= (size_t)got;
            mid_frame = 1;
        } else if (got == 0) {
            host_gone();
            if (mid_frame) return 0;
            pause_briefly();
        } else if (errno != EINTR && errno != EAGAIN) {
            log_msg("channel read failed: %s", strerror(errno));
            pause_briefly();
        }
    }
    return 1;
}

/* After a bad length the stream has no frame boundaries left: drop what comes until the
 * host disconnects (it closes its end on a protocol error), then start afresh. */
static void discard_until_disconnect(void) {
    if (cfg.connect) exit(1);
    uint8_t scratch[4096];
    while (wait_for(POLLIN) && read(chan, scratch, sizeof scratch) > 0) {
    }
}

/* Skips the body of a frame the agent cannot hold, keeping the stream in step. */
static int skip_bytes(size_t n) {
    uint8_t scratch[4096];
    while (n > 0) {
        size_t step = n < sizeof scratch ? n : sizeof scratch;
        if (!read_exact(scratch, step, 1)) return 0;
        n -= step;
    }
    return 1;
}

int channel_read_frame(uint8_t **frame, uint32_t *len) {
    for (;;) {
        uint8_t head[4];
        if (!read_exact(head, 4, 0)) continue;
        *len = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
        if (*len == 0 || *len > MAX_FRAME) {
            log_msg("frame length %u is outside 1..%u; discarding input until the host reconnects", *len, MAX_FRAME);
            discard_until_disconnect();
            continue;
        }
        *frame = malloc(*len);
        if (!*frame) {
            if (skip_bytes(*len)) channel_send_failure("a frame of %u bytes does not fit in the guest's memory", *len);
            continue;
        }
        if (read_exact(*frame, *len, 1)) return 0;
        log_msg("host went away in the middle of a %u-byte frame; dropped it", *len);
        free(*frame);
    }
}

void channel_write_frame(uint8_t type, const struct buf *body) {
    struct buf frame = {0};
    buf_u32(&frame, (uint32_t)(1 + (body ? body->len : 0)));
    buf_u8(&frame, type);
    if (body) buf_put(&frame, body->data, body->len);
    size_t off = 0;
    /* A host that is not connected cannot take the frame yet; it is delivered when one is. */
    while (off < frame.len) {
        ssize_t put = write(chan, frame.data + off, frame.len - off);
        if (put > 0) {
            off += (size_t)put;
        } else if (put < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(POLLOUT)) pause_briefly();
        } else {
            if (cfg.connect) host_gone();
            log_msg("channel write failed: %s; frame dropped", put < 0 ? strerror(errno) : "no progress");
            break;
        }
    }
    buf_free(&frame);
}

void channel_send_failure(const char *fmt, ...) {
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    struct buf body = {0};
    buf_bytes(&body, message, strlen(message));
    channel_write_frame(MSG_FAILURE, &body);
    buf_free(&body);
}
