/* Format detection from the first bytes of a stream, never from a name.
 *
 * Magic numbers alone are enough for the binary formats. Where a magic could
 * start a text file (zlib's two bytes, "BZh", legacy lzma, binary cpio), more
 * of the header is checked, so a log is never taken for something it is not:
 * a false "plain" only costs the user a readable error-free pass over bytes,
 * a false "zlib" would turn their log into an error.
 */
#include "stream.h"

#include <string.h>

#include <zlib.h>

static bool has(const unsigned char *p, size_t n, size_t off, const void *magic, size_t len)
{
	return n >= off + len && memcmp(p + off, magic, len) == 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A zlib header (RFC 1950) is two bytes that plain text can start with ("x^",
 * "x\x9c" is not text but "x^" and "xÚ" are), so the bytes at hand are
 * inflated too: text fails within a few bytes. Accepted: the stream ends
 * cleanly, or at least 128 bytes decode without an error. */
static bool is_zlib(const unsigned char *p, size_t n)
{
	if (n < 3 || p[0] != 0x78 || ((unsigned)p[0] << 8 | p[1]) % 31 != 0 || (p[1] & 0x20))
		return false; /* 32 KiB window, deflate, no preset dictionary */
	if (((p[2] >> 1) & 3) == 3)
		return false; /* reserved block type */
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return false;
	unsigned char out[4096];
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)(n > 65536 ? 65536 : n);
	int r;
	do {
		z.next_out = out;
		z.avail_out = sizeof out;
		r = inflate(&z, Z_NO_FLUSH);
	} while (r == Z_OK && z.avail_out == 0);
	size_t used = (size_t)(z.next_in - (const Bytef *)p);
	inflateEnd(&z);
	if (r == Z_STREAM_END)
		return true;
	return (r == Z_OK || r == Z_BUF_ERROR) && used >= 128;
}

/* "BZh1".."BZh9", then the magic of a block (pi) or of the end (sqrt pi). */
static bool is_bzip2(const unsigned char *p, size_t n)
{
	static const unsigned char blk[6] = { 0x31, 0x41, 0x59, 0x26, 0x53, 0x59 };
	static const unsigned char eos[6] = { 0x17, 0x72, 0x45, 0x38, 0x50, 0x90 };
	return has(p, n, 0, "BZh", 3) && p[3] >= '1' && p[3] <= '9' &&
	       (has(p, n, 4, blk, 6) || has(p, n, 4, eos, 6));
}

/* Legacy .lzma (LZMA_Alone): properties byte 0x5d (lc=3 lp=0 pb=2, what every
 * encoder writes), a dictionary size of 2^k or 3*2^(k-1) from 64 KiB to
 * 1 GiB, an uncompressed size that is unknown (all ones) or below 2^48, and a
 * range coder whose first byte is always 0. */
static bool is_lzma(const unsigned char *p, size_t n)
{
	if (n < 14 || p[0] != 0x5d || p[1] != 0 || p[2] != 0)
		return false;
	uint32_t dict = le32(p + 1);
	bool ok = false;
	for (int k = 16; k <= 30 && !ok; k++)
		ok = dict == (uint32_t)1 << k || dict == (uint32_t)3 << (k - 1);
	if (!ok)
		return false;
	bool unknown = true;
	for (int i = 5; i < 13; i++)
		unknown = unknown && p[i] == 0xff;
	if (!unknown && (p[11] != 0 || p[12] != 0))
		return false;
	return p[13] == 0;
}

/* A ustar header: the magic at 257 and a checksum that adds up. */
static bool is_tar(const unsigned char *p, size_t n)
{
	if (n < 512)
		return false;
	if (!has(p, n, 257, "ustar\0", 6) && !has(p, n, 257, "ustar  \0", 8))
		return false;
	unsigned long want = 0;
	int i = 148, digits = 0;
	while (i < 156 && p[i] == ' ')
		i++;
	for (; i < 156 && p[i] >= '0' && p[i] <= '7'; i++, digits++)
		want = want * 8 + (unsigned long)(p[i] - '0');
	if (digits == 0)
		return false;
	unsigned long sum = 0;
	long ssum = 0;
	for (i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : p[i];
		sum += c;
		ssum += (signed char)c;
	}
	return want == sum || (long)want == ssum;
}

/* ASCII cpio: "070707" and 70 octal digits (odc), or "070701"/"070702" and
 * 104 hex digits (newc): a log line starting with a date like 070701 is not
 * an archive. */
static bool is_cpio_ascii(const unsigned char *p, size_t n)
{
	if (has(p, n, 0, "070707", 6)) {
		if (n < 76)
			return false;
		for (size_t i = 6; i < 76; i++)
			if (p[i] < '0' || p[i] > '7')
				return false;
		return true;
	}
	if (has(p, n, 0, "070701", 6) || has(p, n, 0, "070702", 6)) {
		if (n < 110)
			return false;
		for (size_t i = 6; i < 110; i++) {
			unsigned char c = p[i];
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
				return false;
		}
		return true;
	}
	return false;
}

/* Binary cpio: two magic bytes, in either byte order, and a sane name. */
static bool is_cpio_bin(const unsigned char *p, size_t n)
{
	bool le = n >= 2 && p[0] == 0xc7 && p[1] == 0x71;
	bool be = n >= 2 && p[0] == 0x71 && p[1] == 0xc7;
	if ((!le && !be) || n < 27)
		return false;
	unsigned namesize = le ? (unsigned)(p[20] | p[21] << 8) : (unsigned)(p[20] << 8 | p[21]);
	if (namesize < 2 || namesize > 4096)
		return false;
	if (n >= 26 + (size_t)namesize && p[26 + namesize - 1] != '\0')
		return false;
	return true;
}

/* ISO 9660: the first volume descriptor, in sector 16: a type (boot
 * record, primary, supplementary, partition, terminator), "CD001" and
 * version 1. Text there is never taken for an image. */
static bool is_iso9660(const unsigned char *p, size_t n)
{
	const size_t vd = GP_ISO_MAGIC_OFFSET - 1;
	if (n < GP_DETECT_MORE || !has(p, n, GP_ISO_MAGIC_OFFSET, "CD001", 5) || p[vd + 6] != 1)
		return false;
	return p[vd] <= 3 || p[vd] == 255;
}

gp_format gp_detect(const unsigned char *p, size_t n)
{
	static const unsigned char xz[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	static const unsigned char zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char lz4[4] = { 0x04, 0x22, 0x4d, 0x18 };
	static const unsigned char lz4_legacy[4] = { 0x02, 0x21, 0x4c, 0x18 };
	static const unsigned char sevenz[6] = { '7', 'z', 0xbc, 0xaf, 0x27, 0x1c };

	if (!p || n == 0)
		return GP_FMT_PLAIN;
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 0x08 && (n < 4 || (p[3] & 0xe0) == 0))
		return GP_FMT_GZIP;
	if (has(p, n, 0, xz, 6))
		return GP_FMT_XZ;
	/* Skippable frames (the same in zstd and lz4) may come first: the frame
	 * after them says which; zstd, whose tool reads both, when unseen. */
	size_t at = 0;
	while (n >= at + 8 && (le32(p + at) & 0xfffffff0u) == 0x184d2a50u)
		at += 8 + (size_t)le32(p + at + 4);
	if (at > 0)
		return has(p, n, at, lz4, 4) || has(p, n, at, lz4_legacy, 4) ? GP_FMT_LZ4 : GP_FMT_ZSTD;
	if (has(p, n, 0, zstd, 4))
		return GP_FMT_ZSTD;
	if (has(p, n, 0, lz4, 4) || has(p, n, 0, lz4_legacy, 4))
		return GP_FMT_LZ4;
	if (is_bzip2(p, n))
		return GP_FMT_BZIP2;
	if (is_zlib(p, n))
		return GP_FMT_ZLIB;
	if (is_lzma(p, n))
		return GP_FMT_LZMA;

	if (has(p, n, 0, "PK\3\4", 4) || has(p, n, 0, "PK\5\6", 4))
		return GP_FMT_ZIP;
	if (has(p, n, 0, sevenz, 6))
		return GP_FMT_7Z;
	if (has(p, n, 0, "!<arch>\n", 8))
		return GP_FMT_AR;
	if (is_cpio_ascii(p, n) || is_cpio_bin(p, n))
		return GP_FMT_CPIO;
	if (is_tar(p, n))
		return GP_FMT_TAR;
	/* An all-zero first block is not taken for tar: an empty tar (1024 zero
	 * bytes) cannot be told from a zero-filled file by its first bytes. */
	if (is_iso9660(p, n))
		return GP_FMT_ISO9660;
	return GP_FMT_PLAIN;
}

size_t gp_detect_wants(const unsigned char *p, size_t n)
{
	if (n < GP_DETECT_BYTES)
		return n;
	bool zero = true;
	for (size_t i = 0; i < GP_DETECT_BYTES && zero; i++)
		zero = p[i] == 0;
	bool boot = p[510] == 0x55 && p[511] == 0xaa;
	return zero || boot ? GP_DETECT_MORE : n;
}

const char *gp_format_name(gp_format f)
{
	switch (f) {
	case GP_FMT_PLAIN:
		return "plain";
	case GP_FMT_GZIP:
		return "gzip";
	case GP_FMT_ZLIB:
		return "zlib";
	case GP_FMT_BZIP2:
		return "bzip2";
	case GP_FMT_XZ:
		return "xz";
	case GP_FMT_LZMA:
		return "lzma";
	case GP_FMT_ZSTD:
		return "zstd";
	case GP_FMT_LZ4:
		return "lz4";
	case GP_FMT_TAR:
		return "tar";
	case GP_FMT_ZIP:
		return "zip";
	case GP_FMT_7Z:
		return "7z";
	case GP_FMT_CPIO:
		return "cpio";
	case GP_FMT_AR:
		return "ar";
	case GP_FMT_ISO9660:
		return "iso9660";
	}
	return "unknown";
}

bool gp_format_is_archive(gp_format f)
{
	return f >= GP_FMT_TAR && f <= GP_FMT_ISO9660;
}
