/* The group table of the aggregate stage: byte-string keys to fixed-size
 * states, first-seen order, exact past a memory budget by spilling.
 *
 * Rules:
 *  - A key is any byte string (empty, NUL, tabs, invalid UTF-8, megabytes).
 *    A tuple of key fields is made one key with gp_gkey_part() (each part
 *    length-prefixed, so ("a","bc") and ("ab","c") differ) and read back
 *    with gp_gkey_next().
 *  - A group is one record in the table's arena: header, state (state_size
 *    bytes, 8-aligned, zeroed when the key is first seen), key bytes. Keys
 *    and states are packed in big blocks: nothing is malloc'd per key, and a
 *    state pointer stays valid until the table spills or is freed (growth
 *    moves only the slot and order arrays, never a group).
 *  - Lookup is open addressing with linear probing over slots holding the
 *    full 64-bit hash and the group (load at most 3/4; doubling with rehash
 *    from the stored hashes, keys are never hashed twice).
 *  - Order: every new group gets the next value of a run-wide sequence
 *    number (its first appearance), and the order array lists groups as they
 *    came, so iteration is first-seen order. With conf.caller_seq the caller
 *    numbers the groups instead (--merge: the number of a group's first
 *    record, read from partial states): a new group's number is UINT64_MAX
 *    until gp_groups_lower_seq lowers it, and iteration, spilled or not, is
 *    in the order of those numbers (ties: the key's hash, then its length).
 *  - Memory: gp_groups_bytes() is everything held (slots, order, arena
 *    blocks, spill buffers). With a budget, a new key that would need more
 *    (a doubling or a new block) spills instead: every group goes to one of
 *    `parts` temporary files by the top bits of its hash (core/tmpfile.h,
 *    nameless, owned by the table's scope) and the table starts empty, so the
 *    held bytes stay within the budget (or the minimum table, 16 slots and one
 *    block, if the budget is smaller).
 *  - States of plain data (no conf.encode) spill as their raw bytes, the
 *    fast path. States that hold heap memory come with conf.encode, decode
 *    and free: a spill writes each state's encoding and frees the state,
 *    combining decodes each record (into a fresh zeroed block) and merges,
 *    and gp_groups_next decodes the group it hands out. The table then
 *    frees every state it holds (at a spill, after combining a partition,
 *    when gp_groups_next moves on, and when the scope unwinds), so conf.arg
 *    must outlive the unwinding of the table's scope.
 *  - Heap bytes count against the budget: the caller reports the change of
 *    a state's heap bytes after it changed it (gp_groups_add_bytes; acc.h's
 *    mem before and after an add), and conf.mem lets the table count states
 *    it decoded. Past the budget the next gp_groups_get_h spills first (so a
 *    state pointer is valid only until the next gp_groups_get_h), and the
 *    table holds about the budget in all.
 *  - gp_groups_finish() after the last key: if the table spilled, what is
 *    left spills too; then each partition in turn is read back into the
 *    table, a key's records combined with conf.merge in the order they were
 *    written (so `dst` is always the earlier input) and its first-seen number
 *    the smallest, the partition rewritten sorted by that number; the
 *    partitions are then merged k-way on it. One partition is in memory at a
 *    time; when its groups (and their heap) outgrow half the budget it is
 *    split again by the next bits of the hash into `parts` sub-partitions,
 *    each combined the same way and merged back by first-seen number (up to
 *    4 levels; one group is never split). The merges hold one read buffer
 *    (16 KiB, more for a longer group) per partition on top of the budget.
 *    More parts mean fewer levels: 64 or 256 for millions of groups.
 *  - gp_groups_next() then hands out every group once, in first-seen order,
 *    spilled or not; its pointers are valid until the next call.
 *  - Every allocation and temporary file belongs to the scope given to
 *    gp_groups_new(). Functions that fail return NULL or -1 with errno set
 *    and gp_groups_dir() naming the temporary directory for a message.
 *    Not thread-safe.
 */
#ifndef GP_AGG_GROUPS_H
#define GP_AGG_GROUPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/scope.h"
#include "hash.h"

typedef struct gp_groups_conf {
	size_t state_size; /* bytes of a group's state (0 is fine) */
	size_t budget;	   /* bytes the table may hold; 0: no bound, never spills */
	unsigned parts;	   /* partitions of a spill, a power of two <= 256; 0: 64 */
	/* Combines src into dst (dst from earlier input); needed with a budget.
	 * 0, or -1 with errno. */
	int (*merge)(void *dst, const void *src, void *arg);
	void *arg;
	/* States that hold heap memory: encode, decode and free together (or
	 * none). encode writes the state's bytes to buf when they fit in cap
	 * and returns how many there are (snprintf's contract, never failing);
	 * decode reads n bytes into a zeroed block (0, or -1 with errno; the
	 * block is freed either way); free releases what a state holds. mem,
	 * optional, is the heap bytes a state holds. acc.h's gp_acc_row_*
	 * functions are these four (and merge) for a row of accumulators. */
	size_t (*encode)(void *state, unsigned char *buf, size_t cap, void *arg);
	int (*decode)(void *state, const unsigned char *p, size_t n, void *arg);
	void (*free)(void *state, void *arg);
	size_t (*mem)(const void *state, void *arg);
	bool caller_seq; /* the caller numbers the groups (gp_groups_lower_seq) */
} gp_groups_conf;

typedef struct gp_groups gp_groups;

typedef struct gp_group {
	const char *key;
	size_t len;
	void *state;
	uint64_t seq; /* rank in first-seen order: 0, 1, 2, ..., spilled or not */
} gp_group;

/* A table owned by scope; NULL with errno (EINVAL for a bad conf). */
gp_groups *gp_groups_new(gp_scope *scope, const gp_groups_conf *conf);

/* The state of key (hash from gp_groups_hash), added with a zeroed state and
 * *added set when the key is new. NULL with errno on ENOMEM or a failed
 * spill. Not after gp_groups_finish. It may spill: state pointers from
 * earlier calls are then invalid. */
void *gp_groups_get_h(gp_groups *g, const void *key, size_t len, uint64_t hash, bool *added);
/* The table's hash of a key (agg/hash.h with the table's seed), inline so
 * a stage that hashes a batch first pays no call. */
#define GP_GROUPS_SEED 0x2f5a8c3e9b14d607ull
static inline uint64_t gp_groups_hash(const void *key, size_t len)
{
	return gp_hash64(key, len, GP_GROUPS_SEED);
}
static inline void *gp_groups_get(gp_groups *g, const void *key, size_t len, bool *added)
{
	return gp_groups_get_h(g, key, len, gp_groups_hash(key, len), added);
}
/* Hints for a batch of keys whose hashes are known: a large table (200k
 * groups) misses the cache twice a lookup, at the slot and at the group.
 * Hashing the batch first, then calling gp_groups_prefetch for key i+16 and
 * gp_groups_prefetch_group for key i+8 before gp_groups_get_h for key i
 * overlaps those misses. Only hints: they change nothing and may be called
 * any time. */
void gp_groups_prefetch(const gp_groups *g, uint64_t hash);
void gp_groups_prefetch_group(const gp_groups *g, uint64_t hash);
/* With conf.caller_seq: the group whose state gp_groups_get_h just returned
 * takes seq as its number when seq is smaller (before any other call on the
 * table, which may spill and move the state). */
void gp_groups_lower_seq(void *state, uint64_t seq);
/* The state of key, or NULL when it is not in the table (now). */
void *gp_groups_find(gp_groups *g, const void *key, size_t len);

/* Groups in the table now (not counting spilled ones). */
size_t gp_groups_count(const gp_groups *g);
/* Bytes held: slots, order, arena blocks, spill buffers, and the heap
 * bytes of the states as reported. */
size_t gp_groups_bytes(const gp_groups *g);
/* The states' heap bytes changed by delta (after an add that grew or shrank
 * a state). Past the budget, the next gp_groups_get_h spills first. */
void gp_groups_add_bytes(gp_groups *g, ptrdiff_t delta);
/* How many times the table spilled (0: all in memory). */
unsigned gp_groups_spills(const gp_groups *g);
/* Where temporary files go, for messages (NULL before the first spill). */
const char *gp_groups_dir(const gp_groups *g);

/* Writes every group to its partition and empties the table (done by
 * itself past the budget). 0, or -1 with errno. */
int gp_groups_spill(gp_groups *g);

/* After the last key: combines spilled partitions. 0, or -1 with errno. */
int gp_groups_finish(gp_groups *g);
/* The next group in first-seen order: 1 (filled *out), 0 at the end, -1
 * with errno. */
int gp_groups_next(gp_groups *g, gp_group *out);

/* A tuple of key fields as one key, in a buffer the caller reuses for every
 * record (it only grows; free it with gp_gkey_free or own it with
 * gp_gkey_own). */
typedef struct gp_gkey {
	char *p;
	size_t n, cap;
} gp_gkey;

static inline void gp_gkey_reset(gp_gkey *k)
{
	k->n = 0;
}
/* Appends one part: its length as a LEB128 varint, then its bytes. 0, or -1
 * on ENOMEM. */
int gp_gkey_part(gp_gkey *k, const void *part, size_t len);
/* Reads the part at *pos of an encoded key of n bytes: 1 (*part, *len,
 * *pos moved past it), 0 at the end, -1 when the bytes are not a key. */
int gp_gkey_next(const char *key, size_t n, size_t *pos, const char **part, size_t *len);
void gp_gkey_free(gp_gkey *k);
/* Frees the buffer when scope unwinds. 0, or -1 (then freed already). */
int gp_gkey_own(gp_scope *scope, gp_gkey *k);

#endif
