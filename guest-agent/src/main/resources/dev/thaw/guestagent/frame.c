/* Byte buffers and frame-body readers: big-endian integers and length-prefixed bytes. */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

void buf_put(struct buf *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        b->data = realloc(b->data, cap);
        if (!b->data) abort();
        b->cap = cap;
    }
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
}

void buf_u8(struct buf *b, uint8_t v) {
    buf_put(b, &v, 1);
}

void buf_u32(struct buf *b, uint32_t v) {
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    buf_put(b, be, 4);
}

void buf_u64(struct buf *b, uint64_t v) {
    buf_u32(b, (uint32_t)(v >> 32));
    buf_u32(b, (uint32_t)v);
}

void buf_bytes(struct buf *b, const void *data, size_t n) {
    buf_u32(b, (uint32_t)n);
    buf_put(b, data, n);
}

void buf_free(struct buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint32_t rd_u32(struct reader *r) {
    if (r->err || r->left < 4) {
        r->err = 1;
        return 0;
    }
    const uint8_t *p = r->p;
    r->p += 4;
    r->left -= 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t rd_u64(struct reader *r) {
    uint64_t high = rd_u32(r);
    return high << 32 | rd_u32(r);
}

const uint8_t *rd_bytes(struct reader *r, uint32_t *len) {
    *len = rd_u32(r);
    if (r->err || r->left < *len) {
        r->err = 1;
        *len = 0;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += *len;
    r->left -= *len;
    return p;
}

char *rd_string(struct reader *r) {
    uint32_t len;
    const uint8_t *p = rd_bytes(r, &len);
    if (!p || memchr(p, 0, len)) {
        r->err = 1;
        return NULL;
    }
    char *s = malloc(len + 1);
    if (!s) abort();
    memcpy(s, p, len);
    s[len] = 0;
    return s;
}

char **rd_string_list(struct reader *r, uint32_t *count) {
    *count = rd_u32(r);
    /* Each entry takes at least its 4-byte length: a larger count cannot be honest. */
    if (r->err || *count > r->left / 4) {
        r->err = 1;
        *count = 0;
        return NULL;
    }
    char **list = calloc(*count + 1, sizeof *list);
    if (!list) abort();
    for (uint32_t i = 0; i < *count && !r->err; i++) list[i] = rd_string(r);
    return list;
}

void free_list(char **list, uint32_t count) {
    for (uint32_t i = 0; list && i < count; i++) free(list[i]);
    free(list);
}
