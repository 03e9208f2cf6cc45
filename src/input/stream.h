/* Byte streams: the layers between a file and the lines stage.
 *
 *   read (fd) → [gzip | zlib | bzip2 | xz | lzma | zstd | lz4] … → [archive member] → lines
 *
 * The fd layer is fd.c, the peek layer that detection looks through is
 * peek.c, the decoders are gzip.c, xz.c, bz2.c and zstd.c (through unpack.c),
 * members come from archive.c; layers.c decides which to stack.
 *
 * A stream pulls from the one below it. Every layer is built in a cleanup
 * scope (its decoder state, buffers, struct archive *) and is released when
 * that scope unwinds; a stream never frees the stream below it.
 *
 * read() returns the number of bytes put in dst (> 0), 0 at the end of the
 * stream, or -1 on an error, with a message in s->err that names what is
 * wrong and where ("truncated gzip stream after 1048576 bytes",
 * "corrupt bzip2 data near byte 4096"); bytes returned before an error are
 * good data. After 0 or -1 the stream is not read again.
 *
 * pos is the number of bytes this layer has consumed from the layer below
 * (for the fd layer: bytes read from the file), so decoders can say where in
 * the compressed input a fault is.
 *
 * kind "file" is promised only for an fd layer over a regular file: a
 * decoder may then read it from a thread of its own (gzip inflates ahead on
 * a second thread). A pipe's layer is "pipe" and is read on the main thread
 * only, which flushes output before it waits.
 */
#ifndef GP_STREAM_H
#define GP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/scope.h"

typedef struct gp_stream gp_stream;

struct gp_stream {
	ssize_t (*read)(gp_stream *s, char *dst, size_t cap);
	void *impl;
	gp_stream *below; /* NULL for the fd layer */
	const char *kind; /* "file", "gzip", …: for --explain */
	uint64_t pos;
	char err[256];
};


/* Formats recognised by their first bytes (never by file name). */
typedef enum gp_format {
	GP_FMT_PLAIN = 0,
	/* compression filters */
	GP_FMT_GZIP,
	GP_FMT_ZLIB,
	GP_FMT_BZIP2,
	GP_FMT_XZ,
	GP_FMT_LZMA,
	GP_FMT_ZSTD,
	GP_FMT_LZ4,
	/* archives */
	GP_FMT_TAR,
	GP_FMT_ZIP,
	GP_FMT_7Z,
	GP_FMT_CPIO,
	GP_FMT_AR,
	GP_FMT_ISO9660,
} gp_format;

#define GP_DETECT_BYTES 512 /* enough for every magic but ISO 9660's */
#define GP_ISO_MAGIC_OFFSET 32769
#define GP_DETECT_MORE (GP_ISO_MAGIC_OFFSET + 6) /* to ISO 9660's version byte */

/* How many bytes detection wants, given the first n (up to
 * GP_DETECT_BYTES): GP_DETECT_MORE when they may start an ISO 9660 image
 * (a zero system area, or a hybrid image's boot sector), else n. */
size_t gp_detect_wants(const unsigned char *p, size_t n);

/* Detects the format from the first n bytes of a stream (n may be short at
 * the end of a small input). ISO 9660 is recognised only when the bytes at
 * GP_ISO_MAGIC_OFFSET are present. */
gp_format gp_detect(const unsigned char *p, size_t n);
const char *gp_format_name(gp_format f); /* "gzip", "tar", "plain" */
bool gp_format_is_archive(gp_format f);

/* ---- the bottom layer: a file descriptor (fd.c) ---- */

struct gp_ctx;

/* The fd layer of an input, built by the caller (in its level's scope); the
 * descriptor belongs to the caller's scope too. Reads count into
 * ctx->bytes_in (--progress); on a pipe, before a read would wait, ctx's
 * flush_hint delivers what is through the chain (tail -f). A read stops
 * quietly (0) once gp_signal is set. */
typedef struct gp_fdstream {
	gp_stream s;
	struct gp_ctx *ctx;
	int fd;
	bool regular; /* a regular file: kind "file", else "pipe" */
} gp_fdstream;

void gp_fdstream_init(gp_fdstream *f, struct gp_ctx *ctx, int fd, bool regular);

/* The descriptor of the regular file under s when every layer from s down
 * passes the file's bytes unchanged (peeking only), else -1: an archive
 * reader may then read and seek the file itself (pread) instead of a copy. */
int gp_stream_file_fd(const gp_stream *s);

/* ---- peeking: the first bytes of a stream, for detection (peek.c) ---- */

/* A layer that has read the first bytes of below (buf[0..n)) and gives them
 * back first. Built in a scope (freed with it). */
typedef struct gp_peek {
	gp_stream s;
	unsigned char first[GP_DETECT_BYTES];
	unsigned char *buf; /* first, or GP_DETECT_MORE bytes when those call for it */
	size_t n, off;
	int pending; /* 0, or -1: the error below came after the peeked bytes */
	bool eof;    /* below has ended within the peeked bytes */
} gp_peek;

/* Reads the first bytes of `below`: GP_DETECT_BYTES, or GP_DETECT_MORE when
 * they may start an ISO 9660 image (gp_detect_wants). When `bottom` (the fd
 * layer at the bottom of the input, or NULL) is a pipe, it stops at what is
 * ready, so `tail -f` is not held up; only a possible ISO 9660 image is read
 * on to its magic, 32 KiB in. NULL when out of memory. */
gp_peek *gp_peek_open(gp_scope *scope, gp_stream *below, const gp_fdstream *bottom);

/* Decoders. Each returns NULL on failure to set up (out of memory, or the
 * filter is not available) with a message in errbuf. */
gp_stream *gp_gzip_open(gp_scope *scope, gp_stream *below, bool zlib_format, char *errbuf,
			size_t errlen);
gp_stream *gp_filter_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			  size_t errlen);
/* xz (GP_FMT_XZ) or legacy lzma (GP_FMT_LZMA) with liblzma; gp_filter_open calls it. */
gp_stream *gp_xz_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
		      size_t errlen);
/* bzip2 (GP_FMT_BZIP2) with libbz2; gp_filter_open calls it. */
gp_stream *gp_bzip2_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			 size_t errlen);
/* zstd (GP_FMT_ZSTD) with libzstd, lz4 (GP_FMT_LZ4) with liblz4; gp_filter_open calls it. */
gp_stream *gp_zstd_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			size_t errlen);

/* Archives: a sequence of members, each a stream of its own. */
typedef struct gp_archive gp_archive;

gp_archive *gp_archive_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			    size_t errlen);

enum {
	GP_ARC_END = 0,     /* no more members */
	GP_ARC_MEMBER = 1,  /* *name and *member are set */
	GP_ARC_SKIPPED = 2, /* a member was skipped: a message in errbuf (encrypted, unsupported) */
	GP_ARC_ERROR = -1,  /* the archive is damaged: a message in errbuf (empty when the
			     * member stream already reported the fault); stop reading it */
};

/* Moves to the next regular member (directories, links and devices are
 * skipped silently). *name is the member's path with control characters
 * escaped (\n, \t, \xHH), valid until the next call; *member reads its data
 * and is valid until the next call. A read error inside a member is reported
 * by the member stream (its err names the member); the caller then calls
 * gp_archive_next, which returns GP_ARC_ERROR if the archive cannot go on. */
int gp_archive_next(gp_archive *a, const char **name, gp_stream **member, char *errbuf,
		    size_t errlen);

/* The fault of the stream under the archive (a gzip CRC error or truncation
 * under a tar), once, or NULL: the caller reports it under the archive's own
 * name, and the archive's messages say what it lost by it ("truncated tar
 * archive in member 'a.log'"). After the last member the stream below is
 * read to its end, so a fault past the archive's end is found too. */
const char *gp_archive_below_fault(gp_archive *a);

#endif
