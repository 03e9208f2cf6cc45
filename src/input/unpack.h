/* The member-by-member loop shared by the gzip/zlib, xz, lzma, bzip2, zstd
 * and lz4 decoders (gzip.c, xz.c, bz2.c, zstd.c): input buffering, members
 * one after another, what may follow a member, truncation, and errors that
 * come out after the good bytes. A codec supplies three callbacks: look past a member (another
 * member, padding and the end, or garbage), run its engine, and say where in
 * the compressed input it is. */
#ifndef GP_UNPACK_H
#define GP_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stream.h"

enum { GP_UNP_FIRST, GP_UNP_MEMBER, GP_UNP_BETWEEN, GP_UNP_DONE, GP_UNP_FAILED }; /* state */
enum { GP_UNP_OK, GP_UNP_END, GP_UNP_ERR };                                        /* engine results */

typedef struct gp_unpack gp_unpack;

typedef struct gp_unpack_ops {
	/* At GP_UNP_FIRST or after a member: a member starts (1, the engine
	 * ready), the input ends cleanly (0), or an error (-1, message in err). */
	int (*next_member)(gp_unpack *u);
	/* Decodes from [next, next + avail) into out, setting *produced:
	 * GP_UNP_OK, GP_UNP_END at the end of a member, GP_UNP_ERR (err set). */
	int (*run)(gp_unpack *u, unsigned char *out, size_t cap, size_t *produced);
	/* Offset in the compressed input of the next byte the engine will use. */
	uint64_t (*offset)(const gp_unpack *u);
} gp_unpack_ops;

struct gp_unpack {
	const gp_unpack_ops *ops;
	gp_stream *below;
	const char *name;   /* "gzip", "xz"...: for messages */
	char *err;          /* where messages go (GP_STREAM_ERR bytes) */
	size_t errcap;
	unsigned char *in;  /* in_size bytes */
	size_t in_size;
	size_t between_min; /* bytes wanted at hand before looking past a member
			     * while output is waiting to be returned */
	const unsigned char *next; /* unconsumed input: [next, next + avail) */
	size_t avail;
	uint64_t in_total;  /* bytes read from below */
	uint64_t out_total; /* bytes decoded */
	uint64_t trail_at;  /* offset just after the last complete member */
	bool below_eof;
	bool pending;       /* bytes were returned; the error in err comes next */
	int state;
};

/* Allocates a codec's struct (size bytes, zeroed) and its input buffer
 * (*in, in_size bytes) in scope, and defers fn(struct) there to end the
 * codec's engine. NULL with "cannot start NAME decoder: out of memory" in
 * errbuf. */
void *gp_unpack_new(gp_scope *scope, size_t size, size_t in_size, gp_cleanup_fn fn,
		    unsigned char **in, const char *name, char *errbuf, size_t errlen);

/* Sets up u for a codec whose stream is s, both in the codec's struct (u
 * first, so s->impl may be it): reads from below through `in` (in_size
 * bytes, owned by the codec's scope), messages in s->err, the first member
 * not yet looked at (GP_UNP_FIRST). */
void gp_unpack_init(gp_unpack *u, gp_stream *s, const gp_unpack_ops *ops, gp_stream *below,
		    const char *name, unsigned char *in, size_t in_size, size_t between_min);

/* Bytes that tell an xz, lzma or bzip2 stream header (gp_detect) apart. */
#define GP_UNPACK_MAGIC_MAX 16

/* The next_member of xz, lzma and bzip2, before the codec is set up again:
 * at the start of the input or after a stream, skips NUL padding (for xz,
 * with LZMA_CONCATENATED's rule that it comes in multiples of four: `pad4`),
 * and checks that what follows is a stream of format fmt. 1: a stream
 * begins, 0: the end, -1: an error in err ("not a valid xz header",
 * "trailing garbage after ...", a padding fault, a truncated first stream).
 * The first stream's header is left to the codec when it is too short to
 * judge, so a cut header reads as truncated. */
int gp_unpack_next_stream(gp_unpack *u, gp_format fmt, bool pad4);

/* Keeps the unconsumed bytes and appends what below gives. 1: more input,
 * 0: end of input, -1: error (below's message copied to err). */
int gp_unpack_refill(gp_unpack *u);

/* Decodes up to cap bytes into out: > 0 bytes, 0 at the end, -1 on an error
 * (err). Fills as much as the input at hand gives, and reads from below only
 * when it has nothing yet, so a slow pipe is not held up. */
ssize_t gp_unpack_read(gp_unpack *u, unsigned char *out, size_t cap);

/* The read() of a stream whose impl is a codec struct that starts with its
 * gp_unpack: gp_unpack_read, and pos kept as the bytes read from below. */
ssize_t gp_unpack_stream_read(gp_stream *s, char *dst, size_t cap);
/* in_total - avail: the offset of the next byte at hand, for a codec that
 * holds no input of its own (an ops->offset). */
uint64_t gp_unpack_offset(const gp_unpack *u);

/* "corrupt NAME data at byte AT: MSG" into err. */
void gp_unpack_corrupt(gp_unpack *u, uint64_t at, const char *msg);
/* "truncated NAME stream after IN_TOTAL bytes" into err. */
void gp_unpack_truncated(gp_unpack *u);
/* "NAME checksum mismatch at byte AT" into err. */
void gp_unpack_checksum(gp_unpack *u, uint64_t at);
/* "trailing garbage after NAME data at byte TRAIL_AT" into err. */
void gp_unpack_garbage(gp_unpack *u);

#endif
