/* The compression filters by format: every codec is decoded with its own
 * library, through the member-by-member loop of unpack.c, so every byte
 * decoded before a fault reaches the caller and the fault is named with its
 * byte offset: xz and lzma in xz.c (liblzma), bzip2 in bz2.c (libbz2), zstd
 * and lz4 in zstd.c (libzstd, liblz4). gzip and zlib have their own decoder
 * (gzip.c). libarchive is used for archives only; its filters lose the block
 * they were filling when a stream fails (see zstd.c).
 */
#include "stream.h"

#include <stdio.h>

gp_stream *gp_filter_open(gp_scope *scope, gp_stream *below, gp_format fmt, char *errbuf,
			  size_t errlen)
{
	switch (fmt) {
	case GP_FMT_BZIP2:
		return gp_bzip2_open(scope, below, fmt, errbuf, errlen);
	case GP_FMT_XZ:
	case GP_FMT_LZMA:
		return gp_xz_open(scope, below, fmt, errbuf, errlen);
	case GP_FMT_ZSTD:
	case GP_FMT_LZ4:
		return gp_zstd_open(scope, below, fmt, errbuf, errlen);
	default:
		snprintf(errbuf, errlen, "%s is not a compression filter", gp_format_name(fmt));
		return NULL;
	}
}
