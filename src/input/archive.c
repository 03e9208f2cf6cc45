/* Archives through libarchive: tar, zip, 7z, cpio, ar and ISO 9660.
 *
 * Exactly one format is enabled per archive, and no filter: compression is
 * unwrapped by the layers below (a tar.gz arrives here as a gzip stream).
 * 7z cannot be read without seeking, and zip is only read right with its
 * central directory (file types, encrypted members' sizes), so these are
 * read where they can seek: the file itself when the archive is a regular
 * file read as it is (pread, gp_stream_file_fd), else a copy in a nameless
 * temporary file in $TMPDIR (core/tmpfile.h: a pipe, or an archive inside
 * another or compressed: constant memory, disk the size of the archive); a
 * zip cut short (no central directory) is read again with libarchive's
 * streaming reader.
 *
 * The archive is opened by the first gp_archive_next, so all I/O and every
 * fault is reported from gp_archive_next or a member's read. Each member's
 * first block is read by gp_archive_next: a member libarchive cannot decode
 * (encrypted, an unsupported zip method) is skipped with a message instead
 * of failing on its first read. A damaged header that libarchive can skip
 * (tar) is one GP_ARC_SKIPPED, and reading goes on.
 *
 * One fault, one message: when a member's read has returned -1 for a fault
 * that ends the archive, the next gp_archive_next returns GP_ARC_ERROR with
 * an empty errbuf (the member's err said it all).
 */
#include "stream.h"

#include "../core/tmpfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#define ARC_IN_SIZE (128u * 1024u)
#define ARC_NAME_MAX 4096 /* escaped member names are cut here */
#define ARC_MAX_RETRY 64  /* unusable headers in a row without progress */
#define MSG_NAME_MAX 96   /* a member name in a message: err buffers are 256
			   * bytes, and the reason after the name must fit */

enum { MS_DATA, MS_DONE, MS_FAILED };

/* libarchive (3.6) reads a cpio member's name in one piece of the size its
 * header gives, up to 4 GiB, before it reads a byte of it: a damaged header
 * would make it allocate and fill that much. The guard walks the cpio
 * headers as the bytes go by and stops the stream at one libarchive must not
 * see. */
#define CPIO_NAME_MAX 65536

typedef struct cpio_guard {
	unsigned char h[110 + 11]; /* a header, and the name when it may be the trailer */
	size_t have, need;
	uint64_t skip; /* bytes to let through before the next header */
	uint64_t at;   /* stream offset of h[0] */
	bool done;     /* past the trailer */
	bool bad;
	char why[128];
} cpio_guard;

struct gp_archive {
	gp_scope *scope;
	gp_stream *below;
	gp_format fmt;
	const char *fname;
	struct archive *a;
	bool opened, ended;
	bool dead;	 /* libarchive cannot go on */
	bool fault_told; /* dead, and a member's read returned the reason */
	bool retrying;	 /* skipping unusable headers (reported once) */

	unsigned char *in;
	uint64_t in_total;
	bool below_eof, below_failed; /* below_failed: the stream below broke */
	bool below_told;	      /* its fault was handed out (gp_archive_below_fault) */
	char below_err[256];	      /* its message, or the cpio guard's */
	int spool_fd; /* 7z, zip: the archive file itself when it is a regular
		       * file read as it is, else a temporary copy; -1 for the others */
	off_t spool_off; /* libarchive's position in it (pread: the file's own
			  * offset is left alone) */
	cpio_guard cg;

	char name[ARC_NAME_MAX + 8];
	char said[MSG_NAME_MAX + 4]; /* name as messages give it: cut in the middle */
	bool have_member; /* name holds the last member handed out */

	/* The member stream, reused for every member. */
	gp_stream m;
	int m_state;
	bool m_pending; /* bytes were returned; the error in m.err comes next */
	const char *blk;
	size_t blk_len;
	uint64_t m_off;	 /* member bytes handed out (zeros of holes included) */
	uint64_t zeros;	 /* hole bytes to hand out before blk */
	int64_t m_size;	 /* from the header, or -1 */
};

/* snprintf that marks a cut message with "..." (err buffers are 256 bytes,
 * member names may be longer). */
static void msgf(char *dst, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgf(char *dst, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(dst, len, fmt, ap);
	va_end(ap);
	if (r >= 0 && (size_t)r >= len && len > 4)
		memcpy(dst + len - 4, "...", 4);
}

/* ---- the cpio guard ---- */

static uint64_t cpio_num(const unsigned char *p, int len, int base)
{
	uint64_t v = 0;
	for (int i = 0; i < len; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return UINT64_MAX;
		if (d >= base)
			return UINT64_MAX;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	return v;
}

/* Checks the cpio headers in p[0..n), the next bytes of the stream. Returns
 * how many may go to libarchive: n, or where a bad header starts (g->bad). */
static size_t cpio_guard_scan(cpio_guard *g, const unsigned char *p, size_t n)
{
	size_t i = 0, start = 0;
	while (i < n && !g->done) {
		if (g->skip) {
			size_t k = g->skip < n - i ? (size_t)g->skip : n - i;
			i += k;
			g->skip -= k;
			g->at += k;
			continue;
		}
		if (g->have == 0) {
			start = i;
			g->need = 6;
		}
		size_t k = g->need - g->have < n - i ? g->need - g->have : n - i;
		memcpy(g->h + g->have, p + i, k);
		g->have += k;
		i += k;
		if (g->have < g->need)
			continue;
		const unsigned char *h = g->h;
		bool le = h[0] == 0xc7 && h[1] == 0x71, be = h[0] == 0x71 && h[1] == 0xc7;
		size_t hsize = le || be ? 26
			       : memcmp(h, "070707", 6) == 0 ? 76
			       : memcmp(h, "070701", 6) == 0 || memcmp(h, "070702", 6) == 0 ? 110
			       : 0;
		if (!hsize) {
			snprintf(g->why, sizeof g->why, "no cpio header at byte %llu",
				 (unsigned long long)g->at);
			goto bad;
		}
		if (g->have < hsize) {
			g->need = hsize;
			continue;
		}
		uint64_t namesize, filesize, total;
		if (le || be) {
#define W(o) (le ? (uint64_t)(h[o] | h[(o) + 1] << 8) : (uint64_t)(h[o] << 8 | h[(o) + 1]))
			namesize = W(20);
			filesize = W(22) << 16 | W(24);
#undef W
			total = 26 + namesize + (namesize & 1) + filesize + (filesize & 1);
		} else if (hsize == 76) {
			namesize = cpio_num(h + 59, 6, 8);
			filesize = cpio_num(h + 65, 11, 8);
			total = 76 + namesize + filesize;
		} else {
			namesize = cpio_num(h + 94, 8, 16);
			filesize = cpio_num(h + 54, 8, 16);
			total = ((110 + namesize + 3) & ~(uint64_t)3) + ((filesize + 3) & ~(uint64_t)3);
		}
		if (namesize == UINT64_MAX || filesize == UINT64_MAX || namesize == 0 ||
		    namesize > CPIO_NAME_MAX) {
			snprintf(g->why, sizeof g->why, "a bad cpio header at byte %llu",
				 (unsigned long long)g->at);
			goto bad;
		}
		if (namesize == 11 && filesize == 0 && g->have < hsize + 11) {
			g->need = hsize + 11; /* read the name: the trailer? */
			continue;
		}
		if (g->have == hsize + 11 && memcmp(h + hsize, "TRAILER!!!", 11) == 0)
			g->done = true;
		g->skip = total - g->have;
		g->at += g->have;
		g->have = 0;
	}
	return n;
bad:
	g->bad = true;
	return start;
}

/* ---- input callbacks ---- */

static la_ssize_t arc_read_cb(struct archive *la, void *arg, const void **buf)
{
	gp_archive *x = arg;
	*buf = x->in;
	if (x->cg.bad) {
		x->below_eof = true;
		msgf(x->below_err, sizeof x->below_err, "damaged cpio archive: %s", x->cg.why);
		archive_set_error(la, EINVAL, "%s", x->below_err);
		return -1;
	}
	if (x->below_eof)
		return 0;
	ssize_t r = x->below->read(x->below, (char *)x->in, ARC_IN_SIZE);
	if (r < 0) {
		x->below_eof = x->below_failed = true;
		memcpy(x->below_err, x->below->err, sizeof x->below_err);
		x->below_err[sizeof x->below_err - 1] = '\0';
		archive_set_error(la, EIO, "%s", x->below_err);
		return -1;
	}
	if (r == 0)
		x->below_eof = true;
	x->in_total += (uint64_t)r;
	if (x->fmt == GP_FMT_CPIO && !x->cg.done && r > 0) {
		size_t ok = cpio_guard_scan(&x->cg, x->in, (size_t)r);
		if (x->cg.bad && ok == 0)
			return arc_read_cb(la, arg, buf);
		return (la_ssize_t)ok;
	}
	return r;
}

static la_ssize_t spool_read_cb(struct archive *la, void *arg, const void **buf)
{
	gp_archive *x = arg;
	*buf = x->in;
	for (;;) {
		ssize_t r = pread(x->spool_fd, x->in, ARC_IN_SIZE, x->spool_off);
		if (r >= 0) {
			if (r == 0)
				x->below_eof = true;
			x->spool_off += r;
			return r;
		}
		if (errno != EINTR) {
			archive_set_error(la, errno, "temporary file: %s", strerror(errno));
			return -1;
		}
	}
}

static off_t spool_size(gp_archive *x)
{
	struct stat sb;
	return fstat(x->spool_fd, &sb) == 0 ? sb.st_size : -1;
}

static la_int64_t spool_seek_cb(struct archive *la, void *arg, la_int64_t off, int whence)
{
	gp_archive *x = arg;
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? x->spool_off : spool_size(x);
	if (base < 0 || (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) ||
	    base + (off_t)off < 0) {
		archive_set_error(la, EINVAL, "cannot seek in the archive");
		return ARCHIVE_FATAL;
	}
	x->spool_off = base + (off_t)off;
	x->below_eof = false;
	return (la_int64_t)x->spool_off;
}

static la_int64_t spool_skip_cb(struct archive *la, void *arg, la_int64_t n)
{
	gp_archive *x = arg;
	(void)la;
	off_t end = spool_size(x);
	if (end < 0 || x->spool_off > end)
		return 0;
	if (n > end - x->spool_off)
		n = end - x->spool_off;
	x->spool_off += (off_t)n;
	return n;
}

/* Copies the rest of below into a temporary file (core/tmpfile.h). 0 or -1
 * with a message in errbuf. */
static int spool(gp_archive *x, char *errbuf, size_t errlen)
{
	/* A regular file read as it is needs no copy: read it where it lies. */
	x->spool_off = 0;
	int own = gp_stream_file_fd(x->below);
	if (own >= 0) {
		x->spool_fd = own;
		return 0;
	}
	gp_tmpfile t;
	if (gp_tmpfile_open(&t, x->scope, "gpipe-archive") != 0) {
		if (errno == ENOMEM) /* the scope could not take it */
			msgf(errbuf, errlen, "out of memory");
		else
			msgf(errbuf, errlen, "cannot make a temporary file in '%s' for a %s archive: %s",
			     t.dir, x->fname, strerror(errno));
		return -1;
	}
	x->spool_fd = t.fd;
	for (;;) {
		ssize_t r = x->below->read(x->below, (char *)x->in, ARC_IN_SIZE);
		if (r < 0) {
			msgf(errbuf, errlen, "%s", x->below->err);
			return -1;
		}
		if (r == 0)
			break;
		x->in_total += (uint64_t)r;
		if (gp_tmpfile_write(&t, x->in, (size_t)r) != 0) {
			msgf(errbuf, errlen, "cannot copy a %s archive to a temporary file in '%s': %s",
			     x->fname, t.dir, errno ? strerror(errno) : "short write");
			return -1;
		}
	}
	x->below_eof = false;
	return 0;
}

/* ---- names and messages ---- */

/* The member's path with control characters escaped, cut at ARC_NAME_MAX. */
static void set_name(gp_archive *x, struct archive_entry *e)
{
	const char *p = archive_entry_pathname(e);
	if (!p)
		p = archive_entry_pathname_utf8(e);
	if (!p)
		p = "?";
	size_t o = 0;
	for (; *p && o < ARC_NAME_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n') {
			x->name[o++] = '\\';
			x->name[o++] = 'n';
		} else if (c == '\t') {
			x->name[o++] = '\\';
			x->name[o++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(x->name + o, 5, "\\x%02x", c);
		} else {
			x->name[o++] = (char)c;
		}
	}
	if (*p)
		memcpy(x->name + o, "...", 4);
	else
		x->name[o] = '\0';
	/* -H prints the whole name; a message keeps its two ends. */
	size_t len = strlen(x->name), half = MSG_NAME_MAX / 2 - 2;
	if (len <= MSG_NAME_MAX)
		memcpy(x->said, x->name, len + 1);
	else
		snprintf(x->said, sizeof x->said, "%.*s...%s", (int)half, x->name,
			 x->name + len - half);
}

static const char *la_msg(gp_archive *x)
{
	const char *m = archive_error_string(x->a);
	return m && *m ? m : "no reason given (truncated?)";
}

/* libarchive has no code for "the input ended early": its messages, or no
 * message at all once the input is used up, say so. */
static bool looks_truncated(gp_archive *x)
{
	const char *msg = archive_error_string(x->a);
	return x->below_eof && (!msg || !*msg || strcasestr(msg, "truncat") ||
				strcasestr(msg, "premature") || strcasestr(msg, "unexpected end") ||
				strcasestr(msg, "no progress") || strstr(msg, "failed (-5)"));
}

/* A fault while reading a member's data, into m.err. */
static void member_fault(gp_archive *x)
{
	if (x->cg.bad) {
		msgf(x->m.err, sizeof x->m.err, "%s, in member '%s'", x->below_err, x->said);
		return;
	}
	if (x->below_failed) {
		/* The fault below is reported on its own (gp_archive_below_fault):
		 * this is what the archive lost by it. */
		msgf(x->m.err, sizeof x->m.err, "truncated %s archive in member '%s'", x->fname,
		     x->said);
		return;
	}
	const char *msg = la_msg(x);
	if (looks_truncated(x))
		msgf(x->m.err, sizeof x->m.err, "truncated %s archive in member '%s'", x->fname,
			 x->said);
	else
		msgf(x->m.err, sizeof x->m.err, "damaged %s archive in member '%s': %s", x->fname,
			 x->said, msg);
}

/* A fault between members, into errbuf. */
static void header_fault(gp_archive *x, char *errbuf, size_t errlen)
{
	char after[ARC_NAME_MAX + 32] = "";
	if (x->have_member)
		msgf(after, sizeof after, " after member '%s'", x->said);
	if (x->cg.bad) {
		msgf(errbuf, errlen, "%s%s%s", x->below_err, *after ? "," : "", after);
		return;
	}
	if (x->below_failed) {
		msgf(errbuf, errlen, "truncated %s archive%s", x->fname, after);
		return;
	}
	const char *msg = la_msg(x);
	if (looks_truncated(x))
		msgf(errbuf, errlen, "truncated %s archive%s", x->fname, after);
	else
		msgf(errbuf, errlen, "damaged %s archive%s: %s", x->fname, after, msg);
}

/* ---- the member stream ---- */

/* Takes the next data block. 1: a block (or a hole) is ready, 0: the end,
 * -1: a fault (m.err set). */
static int next_block(gp_archive *x)
{
	const void *b;
	size_t len;
	la_int64_t off;
	int r = archive_read_data_block(x->a, &b, &len, &off);
	if (r == ARCHIVE_EOF) {
		/* A sparse file may end in a hole. */
		if (x->m_size > 0 && x->m_off < (uint64_t)x->m_size) {
			x->zeros = (uint64_t)x->m_size - x->m_off;
			x->blk_len = 0;
			return 1;
		}
		return 0;
	}
	if (r < ARCHIVE_OK) {
		if (r == ARCHIVE_FATAL)
			x->dead = true;
		member_fault(x);
		if (r == ARCHIVE_WARN && len > 0 && b) {
			/* Data with a complaint (a bad CRC at the end): the data
			 * first, then the error. */
			x->blk = b;
			x->blk_len = len;
			x->m_pending = true;
			return 1;
		}
		return -1;
	}
	if (off >= 0 && (uint64_t)off > x->m_off)
		x->zeros = (uint64_t)off - x->m_off;
	x->blk = b;
	x->blk_len = len;
	return 1;
}

static ssize_t member_read(gp_stream *s, char *dst, size_t cap)
{
	gp_archive *x = s->impl;
	size_t n = 0;
	if (x->m_state == MS_DONE)
		return 0;
	if (x->m_state == MS_FAILED)
		return -1;
	while (n < cap) {
		if (x->zeros) {
			size_t k = x->zeros < cap - n ? (size_t)x->zeros : cap - n;
			memset(dst + n, 0, k);
			x->zeros -= k;
			x->m_off += k;
			n += k;
			continue;
		}
		if (x->blk_len) {
			size_t k = x->blk_len < cap - n ? x->blk_len : cap - n;
			memcpy(dst + n, x->blk, k);
			x->blk += k;
			x->blk_len -= k;
			x->m_off += k;
			n += k;
			continue;
		}
		if (n > 0)
			break; /* the bytes at hand first: a pending error comes next */
		if (x->m_pending) {
			x->m_pending = false;
			x->m_state = MS_FAILED;
			break;
		}
		int r = next_block(x);
		if (r == 0)
			x->m_state = MS_DONE;
		else if (r < 0)
			x->m_state = MS_FAILED;
		if (r <= 0)
			break;
	}
	s->pos = x->in_total;
	if (n > 0)
		return (ssize_t)n;
	if (x->m_state == MS_FAILED) {
		if (x->dead)
			x->fault_told = true;
		return -1;
	}
	return 0;
}

/* ---- opening ---- */

static void arc_free(void *arg)
{
	gp_archive *x = arg;
	if (x->a)
		archive_read_free(x->a);
	x->a = NULL;
}

/* A libarchive for x->fmt: zip's seekable reader (it trusts the central
 * directory: file types, sizes, encryption) unless `streaming`. */
static int arc_new(gp_archive *x, bool streaming)
{
	int (*support)(struct archive *) = NULL;
	switch (x->fmt) {
	case GP_FMT_TAR:
		support = archive_read_support_format_tar;
		break;
	case GP_FMT_ZIP:
		support = streaming ? archive_read_support_format_zip_streamable
				    : archive_read_support_format_zip_seekable;
		break;
	case GP_FMT_7Z:
		support = archive_read_support_format_7zip;
		break;
	case GP_FMT_CPIO:
		support = archive_read_support_format_cpio;
		break;
	case GP_FMT_AR:
		support = archive_read_support_format_ar;
		break;
	case GP_FMT_ISO9660:
		support = archive_read_support_format_iso9660;
		break;
	default:
		return -1;
	}
	if (!(x->a = archive_read_new()))
		return -1;
	return support(x->a) == ARCHIVE_OK ? 0 : -1;
}

gp_archive *gp_archive_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			    size_t errlen)
{
	if (!gp_format_is_archive(fmt)) {
		msgf(errbuf, errlen, "%s is not an archive format", gp_format_name(fmt));
		return NULL;
	}
	gp_archive *x = gp_scope_alloc(scope, sizeof *x);
	if (!x || !(x->in = gp_scope_alloc(scope, ARC_IN_SIZE)))
		goto nomem;
	if (gp_scope_defer(scope, arc_free, x) != 0)
		goto nomem;
	x->scope = scope;
	x->below = below;
	x->fmt = fmt;
	x->fname = gp_format_name(fmt);
	x->spool_fd = -1;
	if (arc_new(x, false) != 0) {
		if (!x->a)
			goto nomem;
		msgf(errbuf, errlen, "%s archives are not supported by libarchive: %s",
		     gp_format_name(fmt), la_msg(x));
		return NULL;
	}
	x->m.read = member_read;
	x->m.impl = x;
	x->m.below = below;
	x->m.kind = x->fname;
	return x;
nomem:
	msgf(errbuf, errlen, "cannot open %s archive: out of memory", gp_format_name(fmt));
	return NULL;
}

static int arc_open(gp_archive *x)
{
	archive_read_set_callback_data(x->a, x);
	if (x->spool_fd >= 0) {
		archive_read_set_read_callback(x->a, spool_read_cb);
		archive_read_set_seek_callback(x->a, spool_seek_cb);
		archive_read_set_skip_callback(x->a, spool_skip_cb);
	} else {
		archive_read_set_read_callback(x->a, arc_read_cb);
	}
	return archive_read_open1(x->a);
}

/* 7z and zip are read from a copy in a temporary file, where libarchive can
 * seek. A zip without its central directory (cut short) is then read again
 * with the streaming reader, which gives the members before the cut. */
static int arc_start(gp_archive *x, char *errbuf, size_t errlen)
{
	if ((x->fmt == GP_FMT_7Z || x->fmt == GP_FMT_ZIP) && spool(x, errbuf, errlen) != 0)
		return -1;
	int r = arc_open(x);
	if (r < ARCHIVE_WARN && x->fmt == GP_FMT_ZIP && !x->below_failed) {
		archive_read_free(x->a);
		x->a = NULL;
		x->spool_off = 0;
		if (arc_new(x, true) != 0) {
			msgf(errbuf, errlen, "cannot read the zip archive again: %s", strerror(errno));
			return -1;
		}
		x->below_eof = false;
		r = arc_open(x);
	}
	if (r < ARCHIVE_WARN) {
		header_fault(x, errbuf, errlen);
		return -1;
	}
	return 0;
}

/* An archive's end is not its stream's: the layer below is read on to its
 * own end, so a fault there (a gzip checksum or length, trailing garbage)
 * is reported, as zcat would. A spooled copy was read to the end already,
 * and a file read as it is has nothing to check. */
static void drain(gp_archive *x)
{
	if (x->spool_fd >= 0 || x->below_eof || gp_stream_file_fd(x->below) >= 0)
		return;
	for (;;) {
		ssize_t r = x->below->read(x->below, (char *)x->in, ARC_IN_SIZE);
		if (r > 0) {
			x->in_total += (uint64_t)r;
			continue;
		}
		if (r < 0) {
			x->below_failed = true;
			memcpy(x->below_err, x->below->err, sizeof x->below_err);
			x->below_err[sizeof x->below_err - 1] = '\0';
		}
		break;
	}
	x->below_eof = true;
}

const char *gp_archive_below_fault(gp_archive *x)
{
	if (!x->below_failed || x->below_told)
		return NULL;
	x->below_told = true;
	return x->below_err;
}

int gp_archive_next(gp_archive *x, const char **name, gp_stream **member, char *errbuf,
		    size_t errlen)
{
	*name = NULL;
	*member = NULL;
	errbuf[0] = '\0';
	if (x->ended)
		return GP_ARC_END;
	if (x->dead) {
		/* An empty message when the member's read already gave it. */
		if (!x->fault_told)
			msgf(errbuf, errlen, "%s", x->m.err[0] ? x->m.err : "damaged archive");
		x->fault_told = true;
		return GP_ARC_ERROR;
	}
	if (!x->opened) {
		x->opened = true;
		if (arc_start(x, errbuf, errlen) != 0) {
			x->dead = x->fault_told = true;
			return GP_ARC_ERROR;
		}
	}
	x->blk_len = 0;
	x->zeros = 0;
	x->m_pending = false;
	for (int stuck = 0;;) {
		struct archive_entry *e;
		la_int64_t before = archive_filter_bytes(x->a, -1);
		int r = archive_read_next_header(x->a, &e);
		if (r == ARCHIVE_EOF) {
			x->ended = true;
			drain(x);
			return GP_ARC_END;
		}
		if (r == ARCHIVE_RETRY || r == ARCHIVE_FAILED) {
			/* An unusable header: libarchive goes on from the next one.
			 * Said once per run of them; given up when no input is
			 * consumed. */
			if (archive_filter_bytes(x->a, -1) == before && ++stuck >= ARC_MAX_RETRY)
				r = ARCHIVE_FATAL;
			else if (x->retrying)
				continue;
			else {
				char why[256];
				header_fault(x, why, sizeof why);
				x->retrying = true;
				msgf(errbuf, errlen, "%s; skipped to the next header", why);
				return GP_ARC_SKIPPED;
			}
		}
		if (r < ARCHIVE_WARN) {
			header_fault(x, errbuf, errlen);
			x->dead = x->fault_told = true;
			return GP_ARC_ERROR;
		}
		x->retrying = false;
		stuck = 0;
		/* Regular files only; an ar member is always one, though
		 * binutils' deterministic mode writes no file type. */
		unsigned ft = archive_entry_filetype(e);
		if (ft != AE_IFREG && !(ft == 0 && x->fmt == GP_FMT_AR))
			continue;
		if (archive_entry_hardlink(e) &&
		    (!archive_entry_size_is_set(e) || archive_entry_size(e) == 0))
			continue; /* a link to data handed out before */
		set_name(x, e);
		x->have_member = true;
		*name = x->name;
		if (archive_entry_is_data_encrypted(e) || archive_entry_is_metadata_encrypted(e)) {
			msgf(errbuf, errlen, "member '%s': encrypted, skipped", x->said);
			return GP_ARC_SKIPPED;
		}
		x->m_size = archive_entry_size_is_set(e) ? archive_entry_size(e) : -1;
		x->m_off = 0;
		x->m.pos = x->in_total;
		x->m.err[0] = '\0';
		x->m_state = MS_DATA;
		/* The first block now: a member libarchive cannot decode is
		 * skipped here rather than failing on its first read. */
		int b = next_block(x);
		if (b == 0) {
			x->m_state = MS_DONE;
		} else if (b < 0) {
			if (!x->dead) {
				msgf(errbuf, errlen, "member '%s': %s, skipped", x->said, la_msg(x));
				return GP_ARC_SKIPPED;
			}
			x->m_state = MS_FAILED; /* its read reports it */
		}
		*member = &x->m;
		return GP_ARC_MEMBER;
	}
}
