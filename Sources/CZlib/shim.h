#ifndef SLIPWAY_CZLIB_SHIM_H
#define SLIPWAY_CZLIB_SHIM_H
#include <zlib.h>

/// `deflateInit2` and `inflateInit2` are macros (they pass the library version and the stream
/// size); Swift cannot import macros, so these wrap them. `window_bits` 31 selects the gzip
/// member format (RFC 1952) with a 32 KiB window.
static inline int slipway_deflate_init2(z_stream *stream, int level, int window_bits) {
    return deflateInit2(stream, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
}

static inline int slipway_inflate_init2(z_stream *stream, int window_bits) {
    return inflateInit2(stream, window_bits);
}
#endif
