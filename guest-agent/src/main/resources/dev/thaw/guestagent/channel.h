/* The channel to the host (channel.c). */
#ifndef THAW_CHANNEL_H
#define THAW_CHANNEL_H

#include <stdarg.h>
#include <stdint.h>

struct buf;

int channel_open(void);
/* Blocks until a whole frame (type and body, malloc'd) has arrived. */
int channel_read_frame(uint8_t **frame, uint32_t *len);
void channel_write_frame(uint8_t type, const struct buf *body);
void channel_send_failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
