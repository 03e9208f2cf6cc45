#!/usr/bin/env bats
# Compressed input: gzip (and concatenated members), zlib, bzip2, xz, legacy
# lzma, zstd and lz4, detected by their magic bytes and never by name, from
# files, standard input and FIFOs; --raw turns detection off. Differential
# against the formats' own cat tools on a few MiB of bench/gen log; truncated
# and corrupt data deliver every line decoded before the fault and say where
# it is; head stops early, a gzip bomb runs in bounded memory, and peak RSS
# does not grow with input size; --explain shows the detected chain;
# valgrind finds no leak.
#
# The tools that make the fixtures (bzip2, xz, zstd, lz4, python3 or pigz for
# zlib) are optional: a test needing a missing one is skipped.

bats_require_minimum_version 1.5.0
load helpers

# The formats under test, by fixture suffix.
FORMATS="gz zz bz2 xz lzma zst lz4"

setup_file() {
	F=$BATS_FILE_TMPDIR
	export F
	cc -O2 -o "$F/gen" "$BATS_TEST_DIRNAME/../../bench/gen.c"
	# 3 MiB of log (24711 lines): more than one 256 KiB read block of
	# compressed data for every format, so block boundaries are crossed.
	"$F/gen" 3M 1 > "$F/orig.log"
	local f
	for f in $FORMATS; do
		have_fmt "$f" || continue
		compress "$f" < "$F/orig.log" > "$F/good.$f"
		decompress "$f" < "$F/good.$f" | cmp - "$F/orig.log"
	done
	# 300 KiB (more than one read block) for the valgrind runs.
	head -c 300K "$F/orig.log" > "$F/vg.log"
}

setup() {
	F=$BATS_FILE_TMPDIR
	GP_PID=
	WRITER_OPEN=
}

teardown() {
	bg_teardown
	rm -f big.gz bomb.gz small.gz
}

# --- formats ----------------------------------------------------------------------

have_zlib_py() { command -v python3 > /dev/null && python3 -c 'import zlib' 2> /dev/null; }

# have_fmt FMT: the tools to make and read FMT are installed.
have_fmt() {
	case $1 in
	gz) command -v gzip > /dev/null ;;
	zz) have_zlib_py || command -v pigz > /dev/null ;;
	bz2) command -v bzip2 > /dev/null ;;
	xz | lzma) command -v xz > /dev/null ;;
	zst) command -v zstd > /dev/null ;;
	lz4) command -v lz4 > /dev/null ;;
	*) return 1 ;;
	esac
}

need_fmt() { have_fmt "$1" || skip "no tool to make .$1 data"; }

# compress FMT / decompress FMT: filters from stdin to stdout. Small bzip2
# blocks (100k) and lz4 blocks (64 KiB) so that a damaged stream still has
# whole blocks before the fault.
compress() {
	case $1 in
	gz) gzip -c ;;
	zz)
		if have_zlib_py; then
			python3 -c 'import zlib, sys; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read(), 6))'
		else
			pigz -z -c
		fi
		;;
	bz2) bzip2 -1 -c ;;
	xz) xz -1 -c ;;
	lzma) xz --format=lzma -1 -c ;;
	zst) zstd -q -c ;;
	lz4) lz4 -q -B4 -c ;;
	esac
}

decompress() {
	case $1 in
	gz) gzip -dc ;;
	zz)
		if have_zlib_py; then
			# Like the cat tools: what decodes, then an error on a bad stream.
			python3 -c '
import zlib, sys
d = zlib.decompressobj()
inp = sys.stdin.buffer.read()
try:
    sys.stdout.buffer.write(d.decompress(inp))
except zlib.error:
    sys.exit(1)
if not d.eof:
    sys.exit(1)'
		else
			pigz -dz -c
		fi
		;;
	bz2) bzip2 -dc ;;
	xz) xz -dc ;;
	lzma) xz -dc --format=lzma ;;
	zst) zstd -q -dc ;;
	lz4) lz4 -q -dc ;;
	esac
}

# The word a message about FMT data names it by.
fmt_word() {
	case $1 in
	gz) echo gzip ;; zz) echo zlib ;; bz2) echo bzip2 ;; xz) echo xz ;;
	lzma) echo lzma ;; zst) echo zstd ;; lz4) echo lz4 ;;
	esac
}

# --- helpers ----------------------------------------------------------------------

# flip_byte FILE OFFSET: inverts every bit of the byte at OFFSET.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1")
	b=$((255 - b))
	printf "\\$(printf %03o "$b")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# line_prefix OUT GOOD MIN: OUT is the first N whole lines of GOOD, N >= MIN.
line_prefix() {
	local n
	n=$(wc -l < "$1")
	if ! head -n "$n" "$2" | cmp -s - "$1"; then
		echo "output is not the first $n lines of $2:"
		cmp <(head -n "$n" "$2") "$1" || true
		return 1
	fi
	[ "$n" -ge "$3" ] || { echo "output has $n lines, want at least $3"; return 1; }
}


# --- detection by magic bytes -----------------------------------------------------

@test "gzip data is detected by its magic bytes, whatever the file is named" {
	printf 'one\ntwo ERROR\nthree\n' > src
	gzip -c src > data.txt
	gzip -c src > noext
	gzip -c src > app.log
	gzip -c src > app.log.gz
	run --separate-stderr "$GPIPE" 'grep ""' data.txt
	out_is 0 "$(cat src)"
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' data.txt noext app.log app.log.gz
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "data.txt:2:two ERROR
noext:2:two ERROR
app.log:2:two ERROR
app.log.gz:2:two ERROR" ]
}

@test "a file with no known magic is plain text, whatever its name" {
	printf 'plain one\nplain ERROR\n' > src
	local n
	for n in x.gz x.tgz x.bz2 x.xz x.lzma x.zst x.lz4 x.z x.tar x.tar.gz x.zip x.7z x.cpio x.a x.iso; do
		cp src "$n"
		run --separate-stderr "$GPIPE" 'grep ""' "$n"
		[ "$status" -eq 0 ] || { echo "$n: status $status: $stderr"; return 1; }
		[ "$stderr" = "" ]
		[ "$output" = "$(cat src)" ] || { echo "$n: $output"; return 1; }
	done
	run --separate-stderr "$GPIPE" -H 'grep ERROR' x.gz x.tar.gz
	[ "$output" = "x.gz:plain ERROR
x.tar.gz:plain ERROR" ]
}

@test "text that starts like a magic number but is not one, and tiny files, are plain" {
	# Shorter than any magic, or a magic's first bytes only, or a header
	# that fails its own check (zlib's FCHECK: 'xy' is not a zlib header).
	printf 'x\n' > t1
	printf 'xyz\n' > t2
	printf 'PK\n' > t3
	printf 'PKzip is a name\n' > t4
	printf 'BZ\n' > t5
	printf '\037\n' > t6
	printf '7z\n' > t7
	printf '\3757z\n' > t8
	printf '(\265/\n' > t9
	printf '\n' > t10
	printf '!<arch\n' > t11
	printf '0707\n' > t12
	local t
	for t in t1 t2 t3 t4 t5 t6 t7 t8 t9 t10 t11 t12; do
		"$GPIPE" 'grep ""' "$t" > out 2> err || { echo "$t: status $?"; cat err; return 1; }
		cmp out "$t" || { echo "$t"; od -c out; return 1; }
		[ ! -s err ]
	done
	# One byte, no newline: one record.
	printf 'x' > one
	run --separate-stderr "$GPIPE" count one
	out_is 0 "1"
}

@test "concatenated gzip members are one stream, as zcat reads them" {
	# A line split across the member boundary is one line.
	printf 'a1\na' | gzip -c > m1.gz
	printf '2\nb1 ERROR\n' | gzip -c > m2.gz
	gzip -c < /dev/null > empty.gz
	printf 'c1 ERROR\nc2' | gzip -c > m3.gz
	cat m1.gz m2.gz empty.gz m3.gz > all.gz
	[ "$(gzip -dc all.gz)" = "a1
a2
b1 ERROR
c1 ERROR
c2" ]
	run --separate-stderr "$GPIPE" -n 'grep ""' all.gz
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "1:a1
2:a2
3:b1 ERROR
4:c1 ERROR
5:c2" ]
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' all.gz
	[ "$output" = "all.gz:3:b1 ERROR
all.gz:4:c1 ERROR" ]
	run --separate-stderr "$GPIPE" count all.gz
	[ "$output" = "5" ]
	# Many members, each 64 KiB of the log: the same lines as zcat.
	split -b 64K -d -a 3 "$F/orig.log" part.
	local p
	for p in part.*; do gzip -c "$p"; done > many.gz
	[ "$(ls part.* | wc -l)" -gt 40 ]
	"$GPIPE" 'grep ""' many.gz | cmp - "$F/orig.log"
	"$GPIPE" -n 'grep ERROR' many.gz | cmp - <(gzip -dc many.gz | grep -n ERROR)
}

@test "the gzip of an empty file gives no records, exit 1, nothing on stderr; so do the other formats" {
	local f
	for f in $FORMATS; do
		have_fmt "$f" || continue
		compress "$f" < /dev/null > "empty.$f"
		[ -s "empty.$f" ]
		run --separate-stderr "$GPIPE" 'grep ""' "empty.$f"
		[ "$status" -eq 1 ] || { echo "$f: status $status: $stderr"; return 1; }
		[ "$output" = "" ] || { echo "$f: output: $output"; return 1; }
		[ "$stderr" = "" ] || { echo "$f: stderr: $stderr"; return 1; }
		run --separate-stderr "$GPIPE" count "empty.$f"
		[ "$status" -eq 0 ] && [ "$output" = "0" ] && [ "$stderr" = "" ] ||
			{ echo "$f: count: status $status, output '$output', stderr '$stderr'"; return 1; }
	done
	# An empty member between two others adds nothing.
	printf 'x1\n' | gzip -c > x.gz
	cat x.gz empty.gz x.gz > xx.gz
	run --separate-stderr "$GPIPE" -n 'grep ""' xx.gz
	[ "$status" -eq 0 ]
	[ "$output" = "1:x1
2:x1" ]
}

@test "a zlib stream is decompressed" {
	need_fmt zz
	printf 'z1\nz2 ERROR\nz3' | compress zz > data.zz
	# A zlib header: CMF 0x78, and (CMF*256 + FLG) % 31 == 0.
	[ "$(od -An -tx1 -N1 data.zz | tr -d ' ')" = 78 ]
	run --separate-stderr "$GPIPE" -n 'grep ""' data.zz
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "1:z1
2:z2 ERROR
3:z3" ]
	if command -v pigz > /dev/null; then
		printf 'p1 ERROR\n' | pigz -z -c > p.zz
		run --separate-stderr "$GPIPE" -H 'grep ERROR' p.zz data.zz
		[ "$output" = "p.zz:p1 ERROR
data.zz:z2 ERROR" ]
	fi
}

@test "standard input is detected too, in every format" {
	printf 'one\ntwo ERROR\n' > src
	gzip -c src > x.gz
	run --separate-stderr bash -c 'cat x.gz | "$0" "grep ERROR"' "$GPIPE"
	out_is 0 "two ERROR"
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' - < x.gz
	[ "$output" = "(standard input):2:two ERROR" ]
	run --separate-stderr bash -c 'cat x.gz | "$0" -H "grep ERROR" src - src' "$GPIPE"
	[ "$output" = "src:two ERROR
(standard input):two ERROR
src:two ERROR" ]
	local f
	for f in $FORMATS; do
		have_fmt "$f" || continue
		bash -c "cat '$F/good.$f'" | "$GPIPE" 'grep -i timeout' > out 2> err ||
			{ echo "$f: status $?"; cat err; return 1; }
		cmp out <(grep -i timeout "$F/orig.log") || { echo "$f"; return 1; }
		[ ! -s err ]
	done
}

@test "gzip data on a FIFO is decompressed, and its records written while it pauses" {
	printf 'noise\nfirst ERROR\n' | gzip -c > m1.gz
	printf 'second ERROR\n' | gzip -c > m2.gz
	fifo_gp 'grep ERROR'
	cat m1.gz >&5
	wait_for out "first ERROR"
	kill -0 "$GP_PID"
	cat m2.gz >&5
	wait_for out "first ERROR
second ERROR"
	fifo_close
	gp_reaped 0
}

@test "--raw turns detection off: compressed data is searched as bytes" {
	printf 'one\ntwo ERROR\n' > src
	gzip -c src > x.gz
	"$GPIPE" --raw 'grep ""' x.gz > out
	cmp out <(grep -a '' x.gz)
	run --separate-stderr "$GPIPE" --raw count x.gz
	out_is 0 "$(grep -ac '' x.gz)"
	run --separate-stderr "$GPIPE" --raw 'grep ERROR' x.gz
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	# The gzip header stores the name: raw bytes find it, decoded lines do not.
	printf 'hello\n' > needle-name.txt
	gzip -c needle-name.txt > n.gz
	"$GPIPE" --raw 'grep -F needle-name' n.gz > /dev/null
	run --separate-stderr "$GPIPE" 'grep -F needle-name' n.gz
	[ "$status" -eq 1 ]
	# Standard input too; plain text is unchanged.
	"$GPIPE" --raw 'grep ""' < x.gz | cmp - <(grep -a '' x.gz)
	run --separate-stderr "$GPIPE" --raw 'grep ERROR' src
	[ "$output" = "two ERROR" ]
	# Bigger: the 3 MiB log in every format, raw, is the same lines as grep -a.
	local f
	for f in $FORMATS; do
		have_fmt "$f" || continue
		"$GPIPE" --raw -n 'grep -F "("' "$F/good.$f" | cmp - <(grep -a -n -F '(' "$F/good.$f") ||
			{ echo "$f"; return 1; }
	done
}

# --- differential: the same lines as the format's cat tool ------------------------

# differential FMT: gpipe on good.FMT agrees with DECOMPRESS | grep / wc -l.
differential() {
	need_fmt "$1"
	local g=$F/good.$1
	decompress "$1" < "$g" > ref.log
	[ "$(wc -l < ref.log)" -eq 24711 ]
	"$GPIPE" 'grep ERROR' "$g" | cmp - <(grep ERROR ref.log)
	"$GPIPE" 'grep -i timeout' "$g" | cmp - <(grep -i timeout ref.log)
	"$GPIPE" -n 'grep -w -e WARN -e status=5..' "$g" | cmp - <(grep -n -w -e WARN -e 'status=5..' ref.log)
	"$GPIPE" 'grep ""' "$g" | cmp - ref.log
	"$GPIPE" -H 'grep -x ".*Exception.*"' "$g" | cmp - <(grep -x '.*Exception.*' ref.log | sed "s|^|$g:|")
	run --separate-stderr "$GPIPE" count "$g"
	out_is 0 "$(wc -l < ref.log)"
	run --separate-stderr "$GPIPE" 'grep ERROR | count' "$g"
	[ "$output" = "$(grep -c ERROR ref.log)" ]
	# From standard input (a pipe), the same.
	bash -c 'cat "$1" | "$0" "grep ERROR"' "$GPIPE" "$g" | cmp - <(grep ERROR ref.log)
}

@test "differential: gzip = zcat | grep" { differential gz; }
@test "differential: zlib = zlib.decompress | grep" { differential zz; }
@test "differential: bzip2 = bzcat | grep" { differential bz2; }
@test "differential: xz = xzcat | grep" { differential xz; }
@test "differential: legacy lzma (xz --format=lzma) = xz -dc | grep" { differential lzma; }
@test "differential: zstd = zstdcat | grep" { differential zst; }
@test "differential: lz4 = lz4cat | grep" { differential lz4; }

# concatenated EMPTY_BETWEEN: two streams of each of bzip2, xz, zstd and lz4
# (with an empty stream between them if EMPTY_BETWEEN is 1), read as one.
concatenated() {
	local f n=0
	head -c 1M "$F/orig.log" > p1
	tail -c +1048577 "$F/orig.log" > p2
	for f in bz2 xz zst lz4; do
		have_fmt "$f" || continue
		n=$((n + 1))
		{
			compress "$f" < p1
			[ "$1" = 0 ] || compress "$f" < /dev/null
			compress "$f" < p2
		} > "cat.$f"
		decompress "$f" < "cat.$f" | cmp - "$F/orig.log"
		"$GPIPE" 'grep ""' "cat.$f" | cmp - "$F/orig.log" || { echo "$f"; return 1; }
		"$GPIPE" -n 'grep ERROR' "cat.$f" | cmp - <(grep -n ERROR "$F/orig.log") || { echo "$f"; return 1; }
		run --separate-stderr "$GPIPE" count "cat.$f"
		[ "$status" -eq 0 ] && [ "$output" = 24711 ] && [ "$stderr" = "" ] ||
			{ echo "$f: count: status $status, output '$output', stderr '$stderr'"; return 1; }
	done
	[ "$n" -gt 0 ] || skip "none of bzip2, xz, zstd, lz4 is installed"
}

@test "differential: concatenated bzip2, xz, zstd and lz4 streams are one stream, as their cat tools" {
	concatenated 0
}

@test "differential: an empty bzip2, xz, zstd or lz4 stream between two others adds nothing" {
	concatenated 1
}

# --- zstd and lz4, frame by frame (libzstd and liblz4, not libarchive's filters) ---

# small_frames FMT: f1.FMT .. f4.FMT, each one frame of three lines
# ("fN a", "fN b", "fN c"), and skip.bin, a skippable frame holding "hello".
small_frames() {
	local i
	for i in 1 2 3 4; do printf 'f%s a\nf%s b\nf%s c\n' $i $i $i | compress "$1" > "f$i.$1"; done
	printf '\x50\x2a\x4d\x18\x05\x00\x00\x00hello' > skip.bin
}

# frames_cut FMT: three 3-line frames and the first 10 bytes of a fourth:
# the 9 lines (libarchive gave none), "truncated", exit 2; as FMT's tool.
frames_cut() {
	need_fmt "$1"
	small_frames "$1"
	{ cat "f1.$1" "f2.$1" "f3.$1"; head -c 10 "f4.$1"; } > cut.$1
	local n
	n=$(stat -c %s "cut.$1")
	decompress "$1" < "cut.$1" > ref 2> /dev/null && return 1 # the tool fails too
	[ "$(grep -c '^f[123] [abc]$' ref)" -eq 9 ]
	run --separate-stderr "$GPIPE" -n 'grep ""' "cut.$1"
	[ "$status" -eq 2 ] || { echo "status $status: $stderr"; return 1; }
	[ "$output" = "$(cat "f1.$1" "f2.$1" "f3.$1" | decompress "$1" | grep -n '')" ]
	[ "$stderr" = "gpipe: cut.$1: truncated $(fmt_word "$1") stream after $n bytes" ]
}

@test "zstd: three whole frames and 10 bytes of a fourth give their 9 lines, then 'truncated', exit 2" {
	frames_cut zst
}
@test "lz4: three whole frames and 10 bytes of a fourth give their 9 lines, then 'truncated', exit 2" {
	frames_cut lz4
}

# frames_trailing FMT: one frame, then zero bytes or text: its lines, then
# "trailing garbage after X data at byte N" (N = the frame's size), exit 2,
# as FMT's tool fails on them too (zstd -dc: "unsupported format").
frames_trailing() {
	need_fmt "$1"
	small_frames "$1"
	local n w
	n=$(stat -c %s "f1.$1")
	w=$(fmt_word "$1")
	{ cat "f1.$1"; head -c 512 /dev/zero; } > zeros.$1
	{ cat "f1.$1"; printf 'garbage\n'; } > garbage.$1
	{ cat "f1.$1"; printf '\0\0\0'; } > three.$1
	local t
	for t in zeros garbage three; do
		if decompress "$1" < "$t.$1" > /dev/null 2>&1; then echo "$1 tool accepts $t"; return 1; fi
		run --separate-stderr "$GPIPE" 'grep ""' "$t.$1"
		[ "$status" -eq 2 ] || { echo "$t: status $status: $stderr"; return 1; }
		[ "$output" = "f1 a
f1 b
f1 c" ] || { echo "$t: $output"; return 1; }
		[ "$stderr" = "gpipe: $t.$1: trailing garbage after $w data at byte $n" ] ||
			{ echo "$t: $stderr"; return 1; }
	done
}

@test "zstd: a frame then zero bytes or text: every line, then 'trailing garbage at byte N', exit 2, as zstd -dc" {
	frames_trailing zst
}
@test "lz4: a frame then zero bytes or text: every line, then 'trailing garbage at byte N', exit 2, as lz4 -dc" {
	frames_trailing lz4
}

# frames_skippable FMT: skippable frames first, between and last, and empty
# frames, are skipped: the lines of the others, exit 0, as FMT's tool.
frames_skippable() {
	need_fmt "$1"
	small_frames "$1"
	compress "$1" < /dev/null > "empty.$1"
	cat skip.bin "f1.$1" skip.bin skip.bin "empty.$1" "f2.$1" "empty.$1" skip.bin > "sk.$1"
	[ "$(decompress "$1" < "sk.$1")" = "$(cat "f1.$1" "f2.$1" | decompress "$1")" ]
	run --separate-stderr "$GPIPE" -n 'grep ""' "sk.$1"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "1:f1 a
2:f1 b
3:f1 c
4:f2 a
5:f2 b
6:f2 c" ]
	run --separate-stderr "$GPIPE" --explain 'grep x' "sk.$1"
	[[ $output == *"sk.$1: read → $(fmt_word "$1") → lines"* ]] || { echo "$output"; return 1; }
	# Only empty and skippable frames: nothing, exit 1, no message.
	cat skip.bin "empty.$1" skip.bin > "none.$1"
	run --separate-stderr "$GPIPE" 'grep ""' "none.$1"
	[ "$status" -eq 1 ] && [ "$output" = "" ] && [ "$stderr" = "" ]
	# A skippable frame cut short is a truncated stream.
	{ cat "f1.$1"; head -c 10 skip.bin; } > skcut.$1
	run --separate-stderr "$GPIPE" count "skcut.$1"
	[ "$status" -eq 2 ]
	[ "$output" = 3 ]
	[ "$stderr" = "gpipe: skcut.$1: truncated $(fmt_word "$1") stream after $(stat -c %s "skcut.$1") bytes" ]
}

@test "zstd: skippable and empty frames, first, between and last, are skipped, as zstd -dc" {
	frames_skippable zst
}
@test "lz4: skippable and empty frames, first, between and last, are skipped, as lz4 -dc" {
	frames_skippable lz4
}

# frames_big FMT: 200,000 lines in one stream, then 100 zero bytes: all
# 200,000 lines (libarchive gave 199,449 for zstd), then the garbage, exit 2.
# Then three frames of 50,000 lines and 20 bytes of a fourth: as many whole
# lines as FMT's tool prints from them.
frames_big() {
	need_fmt "$1"
	python3 -c 'import sys; sys.stdout.write("".join("line %d of the big log\n" % i for i in range(1, 200001)))' > big.log
	compress "$1" < big.log > "big.$1"
	{ cat "big.$1"; head -c 100 /dev/zero; } > "bigz.$1"
	run --separate-stderr "$GPIPE" count "bigz.$1"
	[ "$status" -eq 2 ]
	[ "$output" = 200000 ]
	[ "$stderr" = "gpipe: bigz.$1: trailing garbage after $(fmt_word "$1") data at byte $(stat -c %s "big.$1")" ]
	"$GPIPE" 'grep ""' "bigz.$1" 2> /dev/null | cmp - big.log
	local i
	for i in 1 2 3; do sed -n "$((i * 50000 - 49999)),$((i * 50000))p" big.log | compress "$1"; done > "m.$1"
	sed -n '150001,150100p' big.log | compress "$1" | head -c 20 >> "m.$1"
	local ref
	ref=$(decompress "$1" < "m.$1" 2> /dev/null | grep -c 'log$')
	[ "$ref" -ge 150000 ]
	run --separate-stderr "$GPIPE" count "m.$1"
	[ "$status" -eq 2 ]
	[ "$output" = "$ref" ]
	[[ $stderr == "gpipe: m.$1: truncated $(fmt_word "$1") stream after "*" bytes" ]]
}

@test "zstd: 200,000 lines then 100 zero bytes: all 200,000 lines, exit 2; a cut fourth frame: as zstd -dc" {
	frames_big zst
}
@test "lz4: 200,000 lines then 100 zero bytes: all 200,000 lines, exit 2; a cut fourth frame: as lz4 -dc" {
	frames_big lz4
}

@test "zstd: a damaged block header in a second frame: every line before it, then the fault at its byte" {
	need_fmt zst
	small_frames zst
	# A frame of a raw block "hello\n" then a block of the reserved type.
	{ cat f1.zst; printf '\x28\xb5\x2f\xfd\x00\x50\x30\x00\x00hello\n\x07\x00\x00'; } > bad.zst
	if zstd -q -dc bad.zst > /dev/null 2>&1; then return 1; fi
	run --separate-stderr "$GPIPE" 'grep ""' bad.zst
	[ "$status" -eq 2 ]
	[ "$output" = "f1 a
f1 b
f1 c
hello" ]
	[ "$stderr" = "gpipe: bad.zst: corrupt zstd data at byte $(($(stat -c %s f1.zst) + 15)): compressed data is corrupt" ]
}

@test "lz4: a damaged block header: the lines of the blocks before it, then the fault at its byte" {
	need_fmt lz4
	python3 -c 'import sys; sys.stdout.write("".join("line %d\n" % i for i in range(100000)))' > big.log
	lz4 -q -B4 -c big.log > good.lz4
	# The second block's size, after a 7-byte frame header and the first block.
	local at
	at=$(python3 -c '
b = bytearray(open("good.lz4", "rb").read())
at = 11 + (int.from_bytes(b[7:11], "little") & 0x7fffffff)
b[at:at + 4] = (0x7fffffff).to_bytes(4, "little")
open("bad.lz4", "wb").write(b)
print(at)')
	if lz4 -q -dc bad.lz4 > /dev/null 2>&1; then return 1; fi
	run --separate-stderr "$GPIPE" count bad.lz4
	[ "$status" -eq 2 ]
	[ "$output" = "$(head -c 65536 big.log | wc -l)" ]
	[ "$stderr" = "gpipe: bad.lz4: corrupt lz4 data at byte $at: invalid block size" ]
}

@test "zstd: a frame whose window is over 128 MiB is refused with a message, as zstd -dc refuses it" {
	need_fmt zst
	# One raw block "hello\n", window 2^20 (fine) and 2^30 (too large).
	printf '\x28\xb5\x2f\xfd\x00\x50\x31\x00\x00hello\n' > w20.zst
	printf '\x28\xb5\x2f\xfd\x00\xa0\x31\x00\x00hello\n' > w30.zst
	[ "$(zstd -q -dc w20.zst)" = hello ]
	if zstd -q -dc w30.zst > /dev/null 2>&1; then return 1; fi
	run --separate-stderr "$GPIPE" 'grep ""' w20.zst
	[ "$status" -eq 0 ] && [ "$output" = hello ]
	cat w20.zst w30.zst > both.zst
	run --separate-stderr "$GPIPE" 'grep ""' both.zst
	[ "$status" -eq 2 ]
	[ "$output" = hello ]
	[ "$stderr" = "gpipe: both.zst: zstd data at byte 15 needs 1024 MiB of memory to decode, more than the 128 MiB limit" ]
}

@test "lz4: the legacy format (lz4 -l), alone, cut, and between frames, as lz4 -dc" {
	need_fmt lz4
	python3 -c 'import sys; sys.stdout.write("".join("line %d\n" % i for i in range(200000)))' > big.log
	lz4 -q -l -c big.log > leg.lz4
	lz4 -q -c big.log > frame.lz4
	"$GPIPE" 'grep ""' leg.lz4 | cmp - big.log
	cat leg.lz4 frame.lz4 leg.lz4 > mix.lz4
	[ "$(lz4 -q -dc mix.lz4 | wc -l)" -eq 600000 ]
	run --separate-stderr "$GPIPE" count mix.lz4
	[ "$status" -eq 0 ] && [ "$output" = 600000 ] && [ "$stderr" = "" ]
	head -c $(($(stat -c %s leg.lz4) - 5)) leg.lz4 > legcut.lz4
	run --separate-stderr "$GPIPE" count legcut.lz4
	[ "$status" -eq 2 ]
	[ "$output" = "$(lz4 -q -dc legcut.lz4 2> /dev/null | wc -l)" ]
	[ "$stderr" = "gpipe: legcut.lz4: truncated lz4 stream after $(stat -c %s legcut.lz4) bytes" ]
}

@test "zstd and lz4 inside a tar, and a tar inside zstd and lz4" {
	need tar
	local f
	for f in zst lz4; do
		have_fmt "$f" || continue
		printf 'a1\na2 ERROR\n' > a.log
		printf 'b1 ERROR\n' | compress "$f" > "b.log.$f"
		tar -cf "in.tar" a.log "b.log.$f"
		run --separate-stderr "$GPIPE" -H 'grep ERROR' in.tar
		[ "$status" -eq 0 ] && [ "$stderr" = "" ] || { echo "$f: $status $stderr"; return 1; }
		[ "$output" = "in.tar:a.log:a2 ERROR
in.tar:b.log.$f:b1 ERROR" ] || { echo "$f: $output"; return 1; }
		tar -cf - a.log | compress "$f" > "t.tar.$f"
		run --separate-stderr "$GPIPE" -H 'grep ERROR' "t.tar.$f"
		[ "$status" -eq 0 ] && [ "$output" = "t.tar.$f:a.log:a2 ERROR" ] || { echo "$f: $output $stderr"; return 1; }
		run --separate-stderr "$GPIPE" --explain 'grep x' "t.tar.$f"
		[[ $output == *"read → $(fmt_word "$f") → tar"* ]] || { echo "$f: $output"; return 1; }
		# Cut inside the tar's frame: the member's lines before the cut, both faults named.
		head -c 30 "t.tar.$f" > "tcut.tar.$f"
		run --separate-stderr "$GPIPE" 'grep ""' "tcut.tar.$f"
		[ "$status" -eq 2 ] || { echo "$f: status $status"; return 1; }
		[[ $stderr == *"$(fmt_word "$f")"* ]] || { echo "$f: $stderr"; return 1; }
	done
}

# --- damaged data -----------------------------------------------------------------

# truncated FMT: good.FMT cut at 60% of its size. Every line printed is a
# line of the original, in order, with no partial last line; at least the
# whole lines the format's cat tool decodes from the cut file (half of them
# for bzip2, xz and lzma, whose tools may hold a block back); one line
# on stderr naming the input, the format and a byte count; exit 2.
truncated() {
	local f=$1 size cut ref min
	need_fmt "$f"
	size=$(stat -c %s "$F/good.$f")
	cut=$((size * 6 / 10))
	head -c "$cut" "$F/good.$f" > "bad.$f"
	ref=$(decompress "$f" < "bad.$f" 2> /dev/null | wc -l)
	[ "$ref" -gt 10000 ] # sanity: the cut is far enough in
	case $f in gz | zz | zst | lz4) min=$ref ;; *) min=$((ref / 2)) ;; esac
	local st=0
	"$GPIPE" 'grep ""' "bad.$f" > out 2> err || st=$?
	[ "$st" -eq 2 ] || { echo "status $st"; cat err; return 1; }
	line_prefix out "$F/orig.log" "$min"
	local w
	w=$(fmt_word "$f")
	case $f in
	gz) one_line err "^gpipe: bad\\.gz: truncated gzip stream after [0-9]+ bytes\$" ;;
	*) one_line err "^gpipe: bad\\.$f: .*(truncated|corrupt).*\\<$w\\>.*[0-9]+|^gpipe: bad\\.$f: .*\\<$w\\>.*(truncated|corrupt).*[0-9]+" ;;
	esac
	grep -Eq '[0-9]+ bytes|byte [0-9]+|offset [0-9]+' err || { echo "no byte count: $(cat err)"; return 1; }
	ok_after "bad.$f"
}

@test "truncated gzip: every whole line before the cut, then 'truncated gzip stream after N bytes', exit 2" {
	truncated gz
	# Exactly the whole lines gzip -dc decodes; count agrees.
	local ref
	ref=$(gzip -dc bad.gz 2> /dev/null | wc -l)
	[ "$(wc -l < out)" -eq "$ref" ]
	run --separate-stderr "$GPIPE" count bad.gz
	[ "$status" -eq 2 ]
	[ "$output" = "$ref" ]
	[[ $stderr =~ ^gpipe:\ bad\.gz:\ truncated\ gzip\ stream\ after\ [0-9]+\ bytes$ ]]
}

@test "truncated zlib stream: lines before the cut, one message, exit 2" { truncated zz; }
@test "truncated bzip2: lines before the cut, one message, exit 2" { truncated bz2; }
@test "truncated xz: lines before the cut, one message, exit 2" { truncated xz; }
@test "truncated zstd: lines before the cut, one message, exit 2" { truncated zst; }
@test "truncated lz4: lines before the cut, one message, exit 2" { truncated lz4; }

@test "truncated gzip: a bare header, and on standard input" {
	head -c 10 "$F/good.gz" > hdr.gz
	run --separate-stderr "$GPIPE" 'grep ""' hdr.gz
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ $stderr =~ ^gpipe:\ hdr\.gz:\ truncated\ gzip\ stream\ after\ [0-9]+\ bytes$ ]]
	head -c 100000 "$F/good.gz" > part.gz
	local ref
	ref=$(gzip -dc part.gz 2> /dev/null | wc -l)
	local st=0
	bash -c 'cat part.gz | "$0" "grep \"\""' "$GPIPE" > out 2> err || st=$?
	[ "$st" -eq 2 ]
	line_prefix out "$F/orig.log" "$ref"
	one_line err '^gpipe: \(standard input\): truncated gzip stream after [0-9]+ bytes$'
}

# corrupt FMT: good.FMT with the byte in its middle inverted. The lines the
# cat tool decodes from the bytes before the fault come first (half of them
# for bzip2, xz and lzma); what follows may be garbage the checksum catches
# only later, so it is not checked. One line on stderr, exit 2.
corrupt() {
	local f=$1 size off ref min
	need_fmt "$f"
	size=$(stat -c %s "$F/good.$f")
	off=$((size / 2))
	cp "$F/good.$f" "bad.$f"
	flip_byte "bad.$f" "$off"
	if cmp -s "bad.$f" "$F/good.$f"; then return 1; fi
	ref=$(head -c "$off" "$F/good.$f" | decompress "$f" 2> /dev/null | wc -l)
	[ "$ref" -gt 8000 ]
	case $f in gz | zz | zst | lz4) min=$ref ;; *) min=$((ref / 2)) ;; esac
	local st=0
	"$GPIPE" 'grep ""' "bad.$f" > out 2> err || st=$?
	[ "$st" -eq 2 ] || { echo "status $st"; cat err; return 1; }
	[ "$(wc -l < out)" -ge "$min" ] || { echo "$(wc -l < out) lines, want at least $min"; return 1; }
	head -n "$min" out | cmp - <(head -n "$min" "$F/orig.log")
	local w
	w=$(fmt_word "$f")
	one_line err "^gpipe: bad\\.$f: .*\\<$w\\>.*[0-9]+"
	ok_after "bad.$f"
}

@test "corrupt gzip: lines before the fault, one message naming it, exit 2" { corrupt gz; }
@test "corrupt zlib stream: lines before the fault, one message, exit 2" { corrupt zz; }
@test "corrupt bzip2: lines before the fault, one message, exit 2" { corrupt bz2; }
@test "corrupt xz: lines before the fault, one message, exit 2" { corrupt xz; }
@test "corrupt zstd: lines before the fault, one message, exit 2" { corrupt zst; }
@test "corrupt lz4: lines before the fault, one message, exit 2" { corrupt lz4; }

@test "a corrupt gzip trailer (CRC) is reported after every line, exit 2" {
	printf 'one\ntwo\n' | gzip -c > bad.gz
	local size
	size=$(stat -c %s bad.gz)
	flip_byte bad.gz $((size - 6)) # inside the CRC-32
	run --separate-stderr "$GPIPE" 'grep ""' bad.gz
	[ "$status" -eq 2 ]
	[ "$output" = "one
two" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr =~ ^gpipe:\ bad\.gz:\ .*gzip ]]
}

# --- head and early exit; bombs; constant memory ----------------------------------

@test "head stops reading early: an endless gzip stream on standard input" {
	gzip -c "$F/orig.log" > piece.gz
	local first
	first=$(grep -m1 ERROR "$F/orig.log")
	run --separate-stderr timeout 20 bash -c 'while cat piece.gz; do :; done | "$0" "grep ERROR | head 1"' "$GPIPE"
	out_is 0 "$first"
	run --separate-stderr timeout 20 bash -c 'while cat piece.gz; do :; done | "$0" -n "head 2"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "$(head -n 2 "$F/orig.log" | grep -n '')" ]
}

@test "head on a big .gz returns with the first match" {
	gzip -c "$F/orig.log" > piece.gz
	local i
	for ((i = 0; i < 40; i++)); do cat piece.gz; done > big.gz # 120 MiB of log
	run --separate-stderr timeout 20 "$GPIPE" 'grep ERROR | head 1' big.gz
	out_is 0 "$(grep -m1 ERROR "$F/orig.log")"
	run --separate-stderr timeout 20 "$GPIPE" -H -n 'grep -i timeout | head 3' big.gz
	[ "$status" -eq 0 ]
	[ "$output" = "$(grep -n -i timeout "$F/orig.log" | head -n 3 | sed 's/^/big.gz:/')" ]
}

@test "a gzip bomb: head 1 returns at once, count runs in bounded memory" {
	# 1 GiB of "y" lines in 1 MiB of gzip: 16 members of 64 MiB each.
	yes | head -c 64M | gzip -9 > piece.gz
	local i
	for ((i = 0; i < 16; i++)); do cat piece.gz; done > bomb.gz
	[ "$(stat -c %s bomb.gz)" -lt 2000000 ]
	run --separate-stderr timeout 20 "$GPIPE" 'head 1' bomb.gz
	out_is 0 "y"
	# Endless, from a pipe.
	run --separate-stderr timeout 20 bash -c 'while cat piece.gz; do :; done | "$0" "head 1"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "y" ]
	no_asan
	peakrss_tool
	run --separate-stderr "$PEAKRSS" rss timeout 60 "$GPIPE" count bomb.gz
	out_is 0 "536870912"
	echo "# bomb count: peak RSS $(cat rss) KiB" >&3
	[ "$(cat rss)" -lt 32768 ] || { echo "peak RSS $(cat rss) KiB"; return 1; }
}

@test "constant memory: peak RSS for a 10 MiB and a 300 MiB gzip input differ by < 1 MiB" {
	no_asan
	local z="gzip -1"
	if command -v pigz > /dev/null; then z="pigz -1"; fi
	"$F/gen" 10M 7 | $z > small.gz
	"$F/gen" 300M 7 | $z > big.gz
	flat_rss 'grep ERROR' small.gz big.gz
	# Both runs did the work (a 10 MiB log is a prefix of the 300 MiB one).
	[ "$(wc -l < small.gz.out)" -eq "$("$F/gen" 10M 7 | grep -c ERROR)" ]
	[ "$(wc -l < big.gz.out)" -eq "$("$F/gen" 300M 7 | grep -c ERROR)" ]
}

# --- --explain --------------------------------------------------------------------

# explain_line FILE [OPTIONS...]: the line of gpipe --explain that names
# FILE and shows its chain (read → … → lines).
explain_line() {
	local file=$1
	shift
	run --separate-stderr "$GPIPE" "$@" --explain 'grep x' "$file"
	[ "$status" -eq 0 ] || { echo "status $status: $stderr"; return 1; }
	LINE=$(grep -F -- "$file" <<< "$output" | grep -F 'read' | grep -F '→ lines' | head -n 1)
	[ -n "$LINE" ] || { echo "no line shows the chain of $file:"; echo "$output"; return 1; }
}

@test "--explain shows the detected chain of a compressed file" {
	printf 'x\n' > x.log
	explain_line x.log
	[[ $LINE == *"read → lines"* ]] || { echo "$LINE"; return 1; }
	# A plain file with a compressed name is plain.
	cp x.log plain.gz
	explain_line plain.gz
	[[ $LINE == *"read → lines"* ]] || { echo "$LINE"; return 1; }
	local f w
	for f in $FORMATS; do
		have_fmt "$f" || continue
		compress "$f" < x.log > "data.$f"
		w=$(fmt_word "$f")
		explain_line "data.$f"
		[[ $LINE == *"read → $w → lines"* ]] || { echo "$f: $LINE"; return 1; }
	done
	# Named for another format: the bytes decide.
	gzip -c x.log > data.txt
	explain_line data.txt
	[[ $LINE == *"read → gzip → lines"* ]] || { echo "$LINE"; return 1; }
	# --raw: no detection.
	explain_line data.gz --raw
	[[ $LINE != *gzip* ]] || { echo "$LINE"; return 1; }
	# --explain reads nothing past the first bytes: a FIFO is not opened.
	mkfifo fifo
	run --separate-stderr timeout 10 "$GPIPE" --explain 'grep x' fifo
	[ "$status" -eq 0 ]
}

# --- valgrind ---------------------------------------------------------------------



@test "valgrind: a .gz, a truncated .gz, a corrupt .gz, head 1, every other format" {
	valgrind_setup
	gzip -c "$F/vg.log" > v.gz
	vg 0 'grep ERROR' v.gz
	vg 0 -H -n 'grep -i timeout | count' v.gz v.gz
	head -c 20000 v.gz > t.gz
	vg 2 'grep ERROR' t.gz "$F/vg.log"
	cp v.gz c.gz
	flip_byte c.gz 15000
	vg 2 count c.gz
	vg 0 'head 1' v.gz
	vg 0 --raw count v.gz
	local f
	for f in zz bz2 xz lzma zst lz4; do
		have_fmt "$f" || continue
		compress "$f" < "$F/vg.log" > "v.$f"
		vg 0 'grep ERROR | head 2' "v.$f"
		head -c 20000 "v.$f" > "t.$f"
		vg 2 count "t.$f"
	done
	# zstd and lz4 (zstd.c): skippable frames, zero bytes after, lz4 legacy.
	printf '\x50\x2a\x4d\x18\x05\x00\x00\x00hello' > skip.bin
	for f in zst lz4; do
		have_fmt "$f" || continue
		{ cat skip.bin "v.$f" skip.bin "v.$f"; head -c 100 /dev/zero; } > "z.$f"
		vg 2 'grep ERROR' "z.$f"
	done
	if have_fmt lz4; then
		lz4 -q -l -c "$F/vg.log" > l.lz4
		vg 0 count l.lz4
		head -c 20000 l.lz4 > lt.lz4
		vg 2 count lt.lz4
	fi
}

@test "more than 4 compression layers: reported and skipped, exit 2; --explain says the same" {
	printf 'hello\n' > a
	for i in 1 2 3 4; do gzip -c a > a.gz && mv a.gz a; done
	cp a four
	gzip -c a > five
	run --separate-stderr "$GPIPE" 'grep ""' four
	[ "$status" -eq 0 ]
	[ "$output" = "hello" ]
	run --separate-stderr "$GPIPE" --explain 'grep ""' four
	[ "${lines[1]}" = "input    four: read → gzip → gzip → gzip → gzip → lines" ]
	run --separate-stderr "$GPIPE" 'grep ""' five four
	[ "$status" -eq 2 ]
	[ "$output" = "hello" ]
	[ "$stderr" = "gpipe: five: more than 4 compression layers, skipped" ]
	run --separate-stderr bash -c '"$0" "grep \"\"" < five' "$GPIPE"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "gpipe: (standard input): more than 4 compression layers, skipped" ]
	run --separate-stderr "$GPIPE" --explain 'grep ""' five
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "input    five: read → gzip → gzip → gzip → gzip → (more than 4 compression layers, skipped)" ]
}
