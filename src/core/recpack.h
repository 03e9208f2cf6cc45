/* Records packed end to end: many records kept until they are read back in
 * some order (sort), the packed form rec.h points to.
 *
 * Rules:
 *  - A gp_recpack owns large blocks (one allocation per block, never per
 *    record) and lays records end to end in them: gp_recpack_add copies a
 *    record's text, fields and an `extra` area the caller fills (sort's
 *    encoded key) into one gp_packed, 8-aligned.
 *  - A gp_packed is position-independent: field names and values are
 *    offsets from its own first byte, its origin and layout are indices in
 *    the pack's tables. So it may be written verbatim to a file (sort's
 *    runs) and read back anywhere 8-aligned, and gp_recpack_view turns it
 *    into a gp_rec again with the same pack's tables.
 *  - Origins (input and member names) and layouts are copied once each into
 *    tables the pack owns, so a packed record outlives its input level.
 *    gp_recpack_clear forgets the records (the blocks are kept for the next
 *    ones) but never the tables: records already written out still name them.
 *    So a gp_packed names the tables of the pack it was added to, and a
 *    copy (gp_recpack_copy) must stay in that pack.
 *  - Line numbers and offsets are kept only when the pack was told to
 *    (positions: someone prints or uses them), 16 bytes less a record else.
 *  - Everything is freed when the scope given to gp_recpack_own unwinds.
 *    Views made by gp_recpack_view are valid while the gp_packed they look
 *    into is (until gp_recpack_clear for records in the pack's blocks). */
#ifndef GP_RECPACK_H
#define GP_RECPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* One packed record: this header, then [line, off when GP_PACK_POS], the
 * extra area (xlen bytes), the text (len bytes), nf gp_packfield, and the
 * field bytes that are not in the text; `size` covers all, a multiple of 8. */
typedef struct gp_packed {
	uint32_t size;
	uint32_t len;
	uint32_t xlen;
	uint32_t nf;
	uint32_t origin; /* index + 1 in the pack's origin table; 0: none */
	uint16_t lay;    /* index + 1 in the pack's layout table; 0: none */
	uint8_t mark;    /* gp_rec.mark */
	uint8_t flags;   /* GP_PACK_* */
} gp_packed;

#define GP_PACK_POS 1u    /* line and off follow the header */
#define GP_PACK_FIELDS 2u /* the record had a field array (nf may be 0) */

typedef struct gp_packfield {
	uint32_t noff, nlen; /* from the gp_packed's first byte */
	uint32_t voff, vlen;
	uint32_t kind;
} gp_packfield;

typedef struct gp_packblk gp_packblk;

typedef struct gp_recpack {
	gp_packblk *head, *cur; /* blocks of the records, in order; the last */
	gp_packblk *free;       /* blocks for the next records */
	gp_packblk *old;        /* between keep_begin and keep_end */
	size_t block; /* bytes of a block (a larger record gets a block of its own) */
	size_t used;  /* bytes of records added since the last clear */
	size_t held;  /* bytes of the blocks and tables allocated */
	bool positions;
	gp_origin *origins; /* names owned by the pack */
	size_t norigins, ocap;
	uint64_t maxid;           /* largest origin id seen: a larger one is new */
	const gp_origin *last_o;  /* the origin of the last record and its index */
	uint32_t last_oi;
	gp_layout *lays;
	size_t nlays, lcap;
} gp_recpack;

/* Sets up a zeroed pack whose blocks are `block` bytes, owned by scope s.
 * -1 on OOM. */
int gp_recpack_own(gp_scope *s, gp_recpack *p, size_t block, bool positions);

/* Appends a copy of r with xlen bytes of extra room (gp_packed_extra, for
 * the caller to fill). NULL on OOM or when the record is larger than 4 GiB. */
gp_packed *gp_recpack_add(gp_recpack *p, const gp_rec *r, size_t xlen);

/* Appends a copy of a packed record (of this pack's tables) as it is. */
gp_packed *gp_recpack_copy(gp_recpack *p, const gp_packed *k);

/* Forgets every record; keeps the blocks, the origins and the layouts. */
void gp_recpack_clear(gp_recpack *p);

/* Frees the blocks no record uses (after a clear: all but the tables). */
void gp_recpack_trim(gp_recpack *p);

/* Keeping some records and forgetting the rest (a top N cut down): after
 * keep_begin the records already added stay valid but new ones go to other
 * blocks; gp_recpack_copy the ones to keep, then keep_end forgets the old
 * ones (their blocks are reused). */
void gp_recpack_keep_begin(gp_recpack *p);
void gp_recpack_keep_end(gp_recpack *p);

/* k as a record view; f needs room for k->nf fields. */
void gp_recpack_view(const gp_recpack *p, const gp_packed *k, gp_rec *out, gp_field *f);

static inline size_t gp_packed_hdr(const gp_packed *k)
{
	return sizeof *k + ((k->flags & GP_PACK_POS) ? 16 : 0);
}
static inline char *gp_packed_extra(gp_packed *k)
{
	return (char *)k + gp_packed_hdr(k);
}
static inline const char *gp_packed_key(const gp_packed *k)
{
	return (const char *)k + gp_packed_hdr(k);
}
static inline const char *gp_packed_text(const gp_packed *k)
{
	return (const char *)k + gp_packed_hdr(k) + k->xlen;
}

#endif
