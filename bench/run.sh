#!/usr/bin/env bash
# awk programs are single-quoted on purpose; tr a-z A-Z is ASCII on purpose (LC_ALL=C)
# fixture makers are called through a variable
# shellcheck disable=SC2016,SC2018,SC2019,SC2317
# bench/run.sh - time gpipe against its peers (GNU grep, ripgrep, ugrep, mawk,
# tr, dd, wc) on a generated application log, and on gzip, zstd and tar.gz
# copies of it (against zcat/pigz/zstd/tar/bsdtar | grep, rg -z, ugrep -z);
# print a Markdown table of ratios.
#
#   bash bench/run.sh [SIZE]          SIZE: bytes or 100M, 1G, 512K (binary); default 1G
#
# Environment:
#   BENCH_SIZE        size when no argument is given (default 1G)
#   BENCH_RUNS        timed runs per tool, best is kept (default 5)
#   BENCH_SEED        generator seed (default 42)
#   BENCH_GPIPE       gpipe binary (default ./gpipe at the top of the repo)
#   BENCH_SLOW        seconds: a tool whose check run is slower gets at most
#                     3 timed runs, 10x slower gets none (the check run counts)
#   BENCH_TMP         where tool outputs go (default: a fresh dir in /dev/shm
#                     when it has room, else bench/out/tmp)
#   BENCH_CASES       a bash regex: run only the cases whose label matches
#                     (e.g. 'json|where|parse|multiline')
#   BENCH_NO_INSTALL  1: never apt-get missing peers (ripgrep, ugrep, mawk,
#                     pigz, zstd)
#
# The compressed fixtures (LOG.gz, LOG.zst, LOG.tar.gz with 8 members, and a
# 10 MiB LOG.gz) are made once next to the log in bench/out and reused until
# the log is regenerated.
#
# Exit status: 0 when everything ran and every output matched (whatever the
# ratios); 1 when a tool failed to run, an output mismatched or gpipe is missing.
set -uo pipefail
export LC_ALL=C
unset RIPGREP_CONFIG_PATH GREP_OPTIONS GREP_COLOR GREP_COLORS

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
OUT=$HERE/out
RUNS=${BENCH_RUNS:-5}
SEED=${BENCH_SEED:-42}
GPIPE=${BENCH_GPIPE:-$ROOT/gpipe}
SLOW=${BENCH_SLOW:-2}
SMALL_SIZE=$((10 << 20))
CC=${CC:-cc}
T_START=$(date +%s)
STATUS=0

log() { printf '%s\n' "$*" >&2; }
die() { log "bench: $*"; exit 1; }
fail() {
	log "bench: FAILED: $*"
	FAILURES+=("$*")
	STATUS=1
}
FAILURES=()
MISSING=()
SKIPPED=()

parse_size() {
	local n u
	[[ $1 =~ ^([0-9]+)([KkMmGg]?)(i?B)?$ ]] || return 1
	n=$((10#${BASH_REMATCH[1]}))
	u=${BASH_REMATCH[2]}
	case $u in
	K | k) n=$((n << 10)) ;;
	M | m) n=$((n << 20)) ;;
	G | g) n=$((n << 30)) ;;
	esac
	echo "$n"
}

human_size() {
	local b=$1
	if ((b >= 1 << 30)); then
		printf '%d.%02d GiB' $((b >> 30)) $(((b % (1 << 30)) * 100 >> 30))
	elif ((b >= 1 << 20)); then
		printf '%d.%02d MiB' $((b >> 20)) $(((b % (1 << 20)) * 100 >> 20))
	else
		printf '%d B' "$b"
	fi
}

# microseconds -> "S.ssss"
fmt_s() {
	local us=$1
	printf '%d.%04d' $((us / 1000000)) $(((us % 1000000) / 100))
}

# "0.144103" (from timer) -> 144103
to_us() {
	local s=${1/./}
	echo $((10#$s))
}

[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"
[[ $SLOW =~ ^[0-9]+$ ]] || die "BENCH_SLOW must be whole seconds, not '$SLOW'"
SIZE_ARG=${1:-${BENCH_SIZE:-1G}}
SIZE=$(parse_size "$SIZE_ARG") || die "bad size '$SIZE_ARG' (use e.g. 50M, 1G, 1073741824)"
((SIZE >= 4096)) || die "size too small: $SIZE_ARG"
((SMALL_SIZE > SIZE)) && SMALL_SIZE=$SIZE

# ---------------------------------------------------------------- peers
install_peers() {
	local pkgs=() p
	command -v rg >/dev/null 2>&1 || pkgs+=(ripgrep)
	command -v ugrep >/dev/null 2>&1 || pkgs+=(ugrep)
	command -v mawk >/dev/null 2>&1 || pkgs+=(mawk)
	command -v pigz >/dev/null 2>&1 || pkgs+=(pigz)
	command -v zstd >/dev/null 2>&1 || pkgs+=(zstd)
	command -v jq >/dev/null 2>&1 || pkgs+=(jq)
	command -v mlr >/dev/null 2>&1 || pkgs+=(miller)
	command -v gawk >/dev/null 2>&1 || pkgs+=(gawk)
	((${#pkgs[@]})) || return 0
	if [[ ${BENCH_NO_INSTALL:-0} == 1 || $(id -u) != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
		log "bench: missing peers not installed (need root and apt-get): ${pkgs[*]}"
		return 0
	fi
	log "bench: installing missing peers: ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	local updated=0
	for p in "${pkgs[@]}"; do
		if ! apt-get install -y -qq "$p" >/dev/null 2>&1; then
			if ((!updated)); then
				apt-get update -qq >/dev/null 2>&1
				updated=1
			fi
			apt-get install -y -qq "$p" >/dev/null 2>&1 || log "bench: could not install $p, skipping it"
		fi
	done
}
install_peers

# ---------------------------------------------------------------- build
mkdir -p "$OUT" || die "cannot create $OUT"
GEN=$OUT/gen
TIMER=$OUT/timer
"$CC" -O2 -o "$GEN" "$HERE/gen.c" || die "cannot build bench/gen.c"
"$CC" -O2 -o "$TIMER" "$HERE/timer.c" || die "cannot build bench/timer.c"

# ---------------------------------------------------------------- data
GENSUM=$(cksum <"$HERE/gen.c" | cut -d' ' -f1)
DATA=$OUT/log-$SIZE-s$SEED-g$GENSUM.log
SMALL=$OUT/log-$SMALL_SIZE-s$SEED-g$GENSUM.log

# keep bench/out bounded: drop data files (and their compressed copies) of
# other sizes/seeds/generators, and leftovers of interrupted runs
find "$OUT" -maxdepth 1 -name 'log-*.log*' ! -name "${DATA##*/}" ! -name "${DATA##*/}.*" \
	! -name "${SMALL##*/}" ! -name "${SMALL##*/}.*" -delete
find "$OUT" -maxdepth 1 -name 'log-*.tmp' -delete

make_data() { # FILE SIZE
	local f=$1 size=$2 t0 t1 avail
	if [[ -f $f && $(stat -c %s "$f") == "$size" ]]; then
		log "bench: reusing $f"
		return 0
	fi
	avail=$(df -B1 --output=avail "$OUT" | tail -n 1)
	((avail > size + (256 << 20))) || die "not enough disk space in $OUT for $(human_size "$size")"
	log "bench: generating $(human_size "$size") into $f"
	t0=$(date +%s%N)
	"$GEN" "$size" "$SEED" >"$f.tmp" || die "generator failed"
	t1=$(date +%s%N)
	mv "$f.tmp" "$f"
	log "bench:   $((size * 1000 / (t1 - t0))) MB/s"
}
make_data "$DATA" "$SIZE"
make_data "$SMALL" "$SMALL_SIZE"

# tool outputs: a tmpfs when there is room (no disk writeback noise), else disk
if [[ -n ${BENCH_TMP:-} ]]; then
	mkdir -p "$BENCH_TMP" || die "cannot create BENCH_TMP=$BENCH_TMP"
	TMP=$(mktemp -d "$BENCH_TMP/gpipe-bench.XXXXXX") || die "mktemp failed in $BENCH_TMP"
elif [[ -d /dev/shm && -w /dev/shm ]] &&
	(($(df -B1 --output=avail /dev/shm | tail -n 1) > 3 * SIZE + (256 << 20))); then
	TMP=$(mktemp -d /dev/shm/gpipe-bench.XXXXXX) || die "mktemp failed"
else
	mkdir -p "$OUT/tmp" || die "cannot create $OUT/tmp"
	TMP=$(mktemp -d "$OUT/tmp/run.XXXXXX") || die "mktemp failed in $OUT/tmp"
fi
SPLIT=""
trap 'rm -rf "$TMP" ${SPLIT:+"$SPLIT"}' EXIT

# ---------------------------------------------------------------- compressed fixtures
# Made once from the log and reused while they are newer than it. gzip -6 runs
# as pigz -6 when it is installed (a normal single-member gzip file, made on
# every core); the tar.gz holds the log split at line boundaries into
# TAR_MEMBERS members app-00.log, app-01.log, ... in that order.
GZ=$DATA.gz
SMALL_GZ=$SMALL.gz
ZST=$DATA.zst
TGZ=$DATA.tar.gz
TAR_MEMBERS=8
GZIP_CMD=(gzip -6 -c)
command -v pigz >/dev/null 2>&1 && GZIP_CMD=(pigz -6 -c)

gz_of() { "${GZIP_CMD[@]}" <"$1"; }
zst_of() { zstd -q -3 -c <"$1"; }
tgz_of() {
	SPLIT=$(mktemp -d "$OUT/split.XXXXXX") || return 1
	split -n "l/$TAR_MEMBERS" -d -a 2 --additional-suffix=.log "$1" "$SPLIT/app-" || return 1
	local members=("$SPLIT"/app-*.log) # sorted: app-00.log first
	tar -C "$SPLIT" -cf - "${members[@]##*/}" | "${GZIP_CMD[@]}"
	local rc=$?
	rm -rf "$SPLIT"
	SPLIT=""
	return "$rc"
}

# make_fixture FILE SOURCE FUNC: FUNC SOURCE > FILE unless FILE is newer than
# SOURCE; returns 1 (after noting a failure) when FUNC fails
make_fixture() {
	local f=$1 src=$2 fn=$3 t0 t1
	if [[ -s $f && $f -nt $src ]]; then
		log "bench: reusing $f"
		return 0
	fi
	local how="${GZIP_CMD[0]} -6"
	[[ $fn == zst_of ]] && how="zstd -3"
	[[ $fn == tgz_of ]] && how="split -n l/$TAR_MEMBERS, tar | ${GZIP_CMD[0]} -6"
	[[ $fn == json_of ]] && how="mawk -f bench/tojson.awk"
	[[ $fn == cols_of ]] && how="mawk: access lines as columns"
	log "bench: making $f ($how)"
	t0=$(date +%s%N)
	if ! "$fn" "$src" >"$f.tmp"; then
		rm -f "$f.tmp"
		fail "could not make $f"
		return 1
	fi
	t1=$(date +%s%N)
	mv "$f.tmp" "$f"
	log "bench:   $(($(stat -c %s "$src") * 1000 / (t1 - t0))) MB/s, $(human_size "$(stat -c %s "$f")")"
}

HAVE_GZ=0 HAVE_SMALL_GZ=0 HAVE_ZST=0 HAVE_TGZ=0
if ! command -v "${GZIP_CMD[0]}" >/dev/null 2>&1; then
	log "bench: neither pigz nor gzip is installed: no .gz or .tar.gz cases"
	MISSING+=(gzip)
else
	avail=$(df -B1 --output=avail "$OUT" | tail -n 1)
	if ((avail < SIZE + (SIZE >> 1) + (256 << 20))); then
		fail "not enough disk space in $OUT for the compressed fixtures"
	else
		make_fixture "$GZ" "$DATA" gz_of && HAVE_GZ=1
		make_fixture "$SMALL_GZ" "$SMALL" gz_of && HAVE_SMALL_GZ=1
		if command -v tar >/dev/null 2>&1; then
			make_fixture "$TGZ" "$DATA" tgz_of && HAVE_TGZ=1
		else
			MISSING+=(tar)
		fi
		if command -v zstd >/dev/null 2>&1; then
			make_fixture "$ZST" "$DATA" zst_of && HAVE_ZST=1
		else
			log "bench: zstd is not installed: no .zst case"
			MISSING+=(zstd)
		fi
	fi
fi

mem_avail=0
while read -r k v _; do
	[[ $k == MemAvailable: ]] && mem_avail=$((v * 1024))
done </proc/meminfo
if ((mem_avail < 4 * SIZE)); then
	log "bench: WARNING: $(human_size "$mem_avail") available memory; the data may not stay cached"
fi
log "bench: warming the page cache"
cat "$DATA" "$SMALL" >/dev/null
for f in "$GZ" "$SMALL_GZ" "$ZST" "$TGZ"; do
	[[ -f $f ]] && cat "$f" >/dev/null
done

LINES=$(wc -l <"$DATA")

HAVE_GPIPE=1
if [[ ! -x $GPIPE ]]; then
	HAVE_GPIPE=0
	fail "gpipe binary not found at $GPIPE (run make, or set BENCH_GPIPE)"
fi

# ---------------------------------------------------------------- measuring
# A case: case_start LABEL MODE (bytes|count), one `tool NAME CMD...` per tool
# (gpipe first), then case_end, which
#  1. runs every tool once and checks its output: each peer against gpipe
#     (same bytes, or same first number in count mode); when no peer agrees
#     with gpipe but the peers agree with each other, gpipe is the odd one out;
#  2. times each tool that passed: BENCH_RUNS runs, best wall time kept.
# IN=FILE before `tool` feeds FILE on stdin; OPT=1 marks a peer whose failure
# or different output is a note, not an error; NEED="CMD..." lists the programs
# a tool needs (default: the command itself; a pipeline runs as bash -c '...'
# and names its programs here), a tool with one missing is skipped.
declare -A RSS=() TIME=()
R_CASE=() R_GP=() R_BEST=() R_RATIO=() R_PEERS=()

case_start() {
	C_LABEL=$1
	C_MODE=$2
	T_NAME=() T_IN=() T_OPT=() T_CMD=() T_NEED=()
	C_SKIP=0
	if [[ -n ${BENCH_CASES:-} && ! $C_LABEL =~ $BENCH_CASES ]]; then
		C_SKIP=1
		return 0
	fi
	log ""
	log "== $C_LABEL"
}

tool() {
	local name=$1
	shift
	T_NAME+=("$name")
	T_IN+=("${IN:-/dev/null}")
	T_OPT+=("${OPT:-0}")
	T_NEED+=("${NEED:-$1}")
	T_CMD+=("$(printf '%q ' "$@")")
}

first_number() {
	local s
	s=$(head -c 4096 "$1")
	[[ $s =~ [0-9]+ ]] && echo "${BASH_REMATCH[0]}"
}

# same FILE_A FILE_B: outputs equal for this case's mode: count (the first
# number), sorted (the same lines in any order: a table of groups, whose
# order awk does not keep), none (not compared: formats differ; the tests
# check the answers), bytes
same() {
	if [[ $C_MODE == none ]]; then
		return 0
	elif [[ $C_MODE == sorted ]]; then
		cmp -s <(sort "$1") <(sort "$2")
	elif [[ $C_MODE == count ]]; then
		local a b
		a=$(first_number "$1")
		b=$(first_number "$2")
		[[ -n $a && $a == "$b" ]]
	else
		cmp -s "$1" "$2"
	fi
}

describe() { # FILE -> short description of an output
	if [[ $C_MODE == count ]]; then
		echo "count '$(first_number "$1")'"
	else
		echo "$(stat -c %s "$1") bytes, $(wc -l <"$1") lines"
	fi
}

# first_diff NAME_A FILE_A NAME_B FILE_B: where two outputs first differ
first_diff() {
	[[ $C_MODE == bytes ]] || return 0
	local c l
	c=$(cmp "$2" "$4" 2>&1 | head -n 1)
	if [[ $c =~ line\ ([0-9]+) ]]; then
		l=${BASH_REMATCH[1]}
		printf '%s\n' "first difference at line $l:" \
			"  $1: $(sed -n "${l}{p;q}" "$2" | cut -c 1-160)" \
			"  $3: $(sed -n "${l}{p;q}" "$4" | cut -c 1-160)"
	else
		printf '%s\n' "$c"
	fi
}

mismatch() { # I AGAINST_NAME AGAINST_FILE [FIRST_DIFF]
	local i=$1
	if ((T_OPT[i])); then
		SKIPPED+=("${T_NAME[i]} in '$C_LABEL' (output differs from $2)")
		V[i]=skip
		log "   ${T_NAME[i]}: output differs from $2, skipped (optional peer)"
		return
	fi
	V[i]=MISMATCH
	log ""
	log "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	log "   !!! MISMATCH in '$C_LABEL': ${T_NAME[i]} output differs from $2"
	log "   !!! ${T_NAME[i]}: ${T_CMD[i]}"
	log "   !!! ${T_NAME[i]}: ${D_OUT[i]}; $2: $(describe "$3")"
	if [[ -n ${4:-} ]]; then
		local line
		while IFS= read -r line; do log "   !!! $line"; done <<<"$4"
	fi
	log "   !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
	fail "MISMATCH in '$C_LABEL': ${T_NAME[i]} differs from $2"
}

case_end() {
	((C_SKIP)) && return 0
	local n=${#T_NAME[@]} i res t rss rc us runs cmd gp=-1 pref=-1 any_eq_gp=0 peers_agree=1 us2 need absent
	local -a V=() EQ_GP=() EQ_PREF=() D_OUT=() US=() FD=()
	rm -f "$TMP/gp" "$TMP/pref" "$TMP/cur"

	# 1. check runs
	for ((i = 0; i < n; i++)); do
		eval "cmd=(${T_CMD[i]})"
		if [[ ${T_NAME[i]} == gpipe ]]; then
			if ((!HAVE_GPIPE)); then
				V[i]=missing
				continue
			fi
		else
			absent=""
			for need in ${T_NEED[i]}; do
				command -v "$need" >/dev/null 2>&1 && continue
				absent+="${absent:+ }$need"
				[[ " ${MISSING[*]} " == *" $need "* ]] || MISSING+=("$need")
			done
			if [[ -n $absent ]]; then
				log "   ${T_NAME[i]}: not installed ($absent), skipped"
				V[i]="-"
				continue
			fi
		fi
		res=$("$TIMER" -n 1 -i "${T_IN[i]}" -o "$TMP/cur" -- "${cmd[@]}") || die "timer failed on: ${T_CMD[i]}"
		read -r t rss rc <<<"$res"
		US[i]=$(to_us "$t")
		if ((rc > 1)); then
			if ((T_OPT[i])); then
				SKIPPED+=("${T_NAME[i]} in '$C_LABEL' (exit status $rc)")
				V[i]=skip
				log "   ${T_NAME[i]}: exit status $rc, skipped (optional peer)"
			else
				V[i]=FAIL
				fail "${T_NAME[i]} exited with status $rc in '$C_LABEL': ${T_CMD[i]}"
			fi
			continue
		fi
		V[i]=ok
		D_OUT[i]=$(describe "$TMP/cur")
		if [[ ${T_NAME[i]} == gpipe ]]; then
			gp=$i
			mv "$TMP/cur" "$TMP/gp"
			continue
		fi
		EQ_GP[i]=0
		FD[i]=""
		if ((gp >= 0)); then
			if same "$TMP/gp" "$TMP/cur"; then
				EQ_GP[i]=1
				any_eq_gp=1
			else
				FD[i]=$(first_diff gpipe "$TMP/gp" "${T_NAME[i]}" "$TMP/cur")
			fi
		fi
		if ((pref < 0)); then
			pref=$i
			EQ_PREF[i]=1
			mv "$TMP/cur" "$TMP/pref"
		else
			EQ_PREF[i]=0
			if same "$TMP/pref" "$TMP/cur"; then EQ_PREF[i]=1; else peers_agree=0; fi
		fi
	done

	# verdicts: peers are checked against gpipe, unless gpipe is the odd one out
	if ((gp >= 0 && pref >= 0 && !any_eq_gp)); then
		mismatch "$gp" "${T_NAME[pref]}" "$TMP/pref" "$(first_diff "${T_NAME[pref]}" "$TMP/pref" gpipe "$TMP/gp")"
		for ((i = 0; i < n; i++)); do
			[[ ${V[i]} == ok && ${T_NAME[i]} != gpipe && ${EQ_PREF[i]} == 0 ]] && mismatch "$i" "${T_NAME[pref]}" "$TMP/pref"
		done
		((peers_agree)) && log "   (all peers agree with each other: gpipe is the odd one out)"
	else
		for ((i = 0; i < n; i++)); do
			[[ ${V[i]} == ok && ${T_NAME[i]} != gpipe ]] || continue
			if ((gp >= 0)); then
				((EQ_GP[i])) || mismatch "$i" gpipe "$TMP/gp" "${FD[i]}"
			else
				((EQ_PREF[i])) || mismatch "$i" "${T_NAME[pref]}" "$TMP/pref"
			fi
		done
	fi
	rm -f "$TMP/gp" "$TMP/pref" "$TMP/cur"

	# 2. timed runs (fewer for slow tools; very slow ones keep the check run)
	local gp_us="" best_us="" best_name="" peers="" cell
	for ((i = 0; i < n; i++)); do
		if [[ ${V[i]} == ok ]]; then
			eval "cmd=(${T_CMD[i]})"
			us=${US[i]}
			runs=$RUNS
			if ((us > 10 * SLOW * 1000000)); then
				runs=0
			elif ((us > SLOW * 1000000 && runs > 3)); then
				runs=3
			fi
			rss=0
			if ((runs > 0)); then
				res=$("$TIMER" -n "$runs" -i "${T_IN[i]}" -o "$TMP/cur" -- "${cmd[@]}") || die "timer failed on: ${T_CMD[i]}"
				read -r t rss rc <<<"$res"
				((rc > 1)) && fail "${T_NAME[i]} exited with status $rc in a timed run of '$C_LABEL': ${T_CMD[i]}"
				us2=$(to_us "$t")
				((us2 < us)) && us=$us2
			fi
			rm -f "$TMP/cur"
			RSS["$C_LABEL|${T_NAME[i]}"]=$rss
			TIME["$C_LABEL|${T_NAME[i]}"]=$us
			log "   $(printf '%-6s %9s s  (best of %d, %d KiB)' "${T_NAME[i]}" "$(fmt_s "$us")" $((runs > 0 ? runs : 1)) "$rss")"
			cell=$(fmt_s "$us")
			if [[ ${T_NAME[i]} == gpipe ]]; then
				gp_us=$us
			elif [[ -z $best_us ]] || ((us < best_us)); then
				best_us=$us
				best_name=${T_NAME[i]}
			fi
		else
			cell=${V[i]}
			log "   $(printf '%-6s %9s' "${T_NAME[i]}" "${V[i]}")"
		fi
		[[ ${T_NAME[i]} == gpipe ]] || peers+="${peers:+  }${T_NAME[i]} $cell"
	done

	local gcell ratio="-" best="-" r
	gcell=${V[0]}
	[[ -n $gp_us ]] && gcell=$(fmt_s "$gp_us")
	if [[ -n $best_us ]]; then
		best="$best_name $(fmt_s "$best_us")"
		if [[ -n $gp_us ]]; then
			r=$((gp_us * 100 / (best_us > 0 ? best_us : 1)))
			ratio=$(printf '%d.%02dx' $((r / 100)) $((r % 100)))
		fi
	fi
	R_CASE+=("$C_LABEL")
	R_GP+=("$gcell")
	R_BEST+=("$best")
	R_RATIO+=("$ratio")
	R_PEERS+=("${peers:--}")
}

# ---------------------------------------------------------------- cases
D=$DATA
CLASS='status=5[0-9]{2} latency_ms=[0-9]{4}'
log ""
log "bench: $(human_size "$SIZE"), $LINES lines, best of $RUNS runs, outputs in $TMP"

case_start "rare literal: ERROR" bytes
tool gpipe "$GPIPE" 'grep ERROR' "$D"
tool grep grep ERROR "$D"
tool rg rg --no-mmap ERROR "$D"
tool ugrep ugrep ERROR "$D"
tool mawk mawk '/ERROR/' "$D"
case_end

case_start "frequent literal: INFO" bytes
tool gpipe "$GPIPE" 'grep INFO' "$D"
tool grep grep INFO "$D"
tool rg rg --no-mmap INFO "$D"
tool ugrep ugrep INFO "$D"
case_end

case_start "-i timeout" bytes
tool gpipe "$GPIPE" 'grep -i timeout' "$D"
tool grep grep -i timeout "$D"
tool rg rg --no-mmap -i timeout "$D"
tool ugrep ugrep -i timeout "$D"
case_end

case_start "class regex (5xx, >=1s)" bytes
tool gpipe "$GPIPE" "grep \"$CLASS\"" "$D"
tool grep grep -E "$CLASS" "$D"
tool rg rg --no-mmap "$CLASS" "$D"
tool ugrep ugrep -E "$CLASS" "$D"
case_end

case_start "-F java.lang." bytes
tool gpipe "$GPIPE" 'grep -F java.lang.' "$D"
tool grep grep -F java.lang. "$D"
tool rg rg --no-mmap -F java.lang. "$D"
tool ugrep ugrep -F java.lang. "$D"
case_end

# 1000 fixed strings (random request ids that never occur, plus two that do):
# a pattern file, as CI triage keeps its known failure signatures.
WORDS=$TMP/words.txt
awk 'BEGIN { srand(11); for (i = 0; i < 1000; i++) printf "req=%08x%08x\n", int(rand() * 4294967295), int(rand() * 4294967295)
	print "NullPointerException"; print "status=503" }' >"$WORDS"
case_start "-F -f (1002 words)" bytes
tool gpipe "$GPIPE" "grep -F -f $WORDS" "$D"
tool grep grep -F -f "$WORDS" "$D"
tool rg rg --no-mmap -F -f "$WORDS" "$D"
tool ugrep ugrep -F -f "$WORDS" "$D"
case_end

case_start "-v INFO" bytes
tool gpipe "$GPIPE" 'grep -v INFO' "$D"
tool grep grep -v INFO "$D"
tool rg rg --no-mmap -v INFO "$D"
tool ugrep ugrep -v INFO "$D"
case_end

case_start "first match: head 1 / -m1" bytes
tool gpipe "$GPIPE" 'grep ERROR | head 1' "$D"
tool grep grep -m1 ERROR "$D"
tool rg rg --no-mmap -m1 ERROR "$D"
tool ugrep ugrep -m1 ERROR "$D"
case_end

case_start "upper" bytes
tool gpipe "$GPIPE" upper "$D"
IN=$D tool tr tr a-z A-Z
OPT=1 tool dd dd "if=$D" conv=ucase status=none
tool mawk mawk '{ print toupper($0) }' "$D"
case_end

case_start "count (records)" count
tool gpipe "$GPIPE" count "$D"
IN=$D tool wc wc -l
tool mawk mawk 'END { print NR }' "$D"
case_end

case_start "grep ERROR | count" count
tool gpipe "$GPIPE" 'grep ERROR | count' "$D"
tool grep grep -c ERROR "$D"
tool rg rg --no-mmap -c ERROR "$D"
tool ugrep ugrep -c ERROR "$D"
tool mawk mawk '/ERROR/ { n++ } END { print n + 0 }' "$D"
case_end

# ---------------------------------------------------------------- compressed input
# The same log, compressed: every time includes decompression. gpipe detects
# the format from the magic bytes. Pipelines run as bash -c (pipefail), so
# their time includes a bash start (~1 ms).
GZ_GREP="gz: grep ERROR" GZ_COUNT="gz: count" ZST_GREP="zst: grep ERROR"
TGZ_GREP="tar.gz ($TAR_MEMBERS members): grep ERROR"
PF='set -o pipefail; '
if ((HAVE_GZ)); then
	case_start "$GZ_GREP" bytes
	tool gpipe "$GPIPE" 'grep ERROR' "$GZ"
	NEED="zcat grep" tool "zcat|grep" bash -c "$PF"'zcat "$1" | grep ERROR' _ "$GZ"
	NEED="pigz grep" tool "pigz|grep" bash -c "$PF"'pigz -dc "$1" | grep ERROR' _ "$GZ"
	NEED="rg gzip" tool "rg -z" rg --no-mmap -z ERROR "$GZ"
	tool "ugrep -z" ugrep -z ERROR "$GZ"
	case_end

	case_start "$GZ_COUNT" count
	tool gpipe "$GPIPE" count "$GZ"
	NEED="zcat wc" tool "zcat|wc" bash -c "$PF"'zcat "$1" | wc -l' _ "$GZ"
	case_end
fi

if ((HAVE_ZST)); then
	case_start "$ZST_GREP" bytes
	tool gpipe "$GPIPE" 'grep ERROR' "$ZST"
	NEED="zstd grep" tool "zstd|grep" bash -c "$PF"'zstd -q -dc "$1" | grep ERROR' _ "$ZST"
	NEED="rg zstd" tool "rg -z" rg --no-mmap -z ERROR "$ZST"
	tool "ugrep -z" ugrep -z ERROR "$ZST"
	case_end
fi

if ((HAVE_TGZ)); then
	# without -H gpipe prints just the lines; ugrep -z needs -h to drop its
	# {member}: prefixes. rg -z would search the tar stream itself, so no rg.
	case_start "$TGZ_GREP" bytes
	tool gpipe "$GPIPE" 'grep ERROR' "$TGZ"
	NEED="tar gzip grep" tool "tar|grep" bash -c "$PF"'tar -xzOf "$1" | grep ERROR' _ "$TGZ"
	NEED="bsdtar grep" tool "bsdtar|grep" bash -c "$PF"'bsdtar -xOf "$1" | grep ERROR' _ "$TGZ"
	tool "ugrep -z" ugrep -z -h ERROR "$TGZ"
	case_end
fi

# ---------------------------------------------------------------- fields
# The same log as JSON Lines (bench/tojson.awk, cut to SIZE at a line end) and
# its access lines as whitespace columns (ts level thread method path status
# latency_ms bytes), made once with mawk. Slow peers (jq, Miller) get fewer
# timed runs (BENCH_SLOW).
JSON=$DATA.jsonl COLS=$DATA.cols
json_of() {
	# the cut ends the converter early (SIGPIPE): only the cut's status counts
	mawk -f "$HERE/tojson.awk" "$1" | mawk -v max="$SIZE" '{ n += length($0) + 1; if (n > max) exit; print }'
	local st=("${PIPESTATUS[@]}")
	return "${st[1]}"
}
cols_of() { mawk '$6 ~ /^status=[0-9]+$/ && $7 ~ /^latency_ms=[0-9]+$/ && $8 ~ /^bytes=/ { print $1, $2, $3, $4, $5, substr($6, 8), substr($7, 12), substr($8, 7) }' "$1"; }
HAVE_JSON=0 HAVE_COLS=0
if command -v mawk >/dev/null 2>&1; then
	make_fixture "$JSON" "$DATA" json_of && HAVE_JSON=1
	make_fixture "$COLS" "$DATA" cols_of && HAVE_COLS=1
	cat "$JSON" "$COLS" >/dev/null 2>&1
else
	log "bench: mawk is not installed: no field cases"
	MISSING+=(mawk)
fi

if ((HAVE_JSON)); then
	case_start "json | where status >= 500" bytes
	tool gpipe "$GPIPE" 'json | where status >= 500' "$JSON"
	tool jq jq -c 'select(.status >= 500)' "$JSON"
	case_end

	case_start "json | where status >= 500 | count" count
	tool gpipe "$GPIPE" 'json | where status >= 500 | count' "$JSON"
	NEED="jq wc" tool "jq|wc" bash -c "$PF"'jq -c "select(.status >= 500)" "$1" | wc -l' _ "$JSON"
	NEED="mlr wc" tool "mlr|wc" bash -c "$PF"'mlr --ijson --ojsonl filter "\$status >= 500" "$1" | wc -l' _ "$JSON"
	case_end

	case_start "json | where | format" bytes
	tool gpipe "$GPIPE" 'json | where status >= 500 and path =~ "^/api" | format "{ts} {path} {latency_ms}"' "$JSON"
	tool jq jq -r 'select(.status >= 500 and (.path | test("^/api"))) | "\(.ts) \(.path) \(.latency_ms)"' "$JSON"
	case_end
fi

if ((HAVE_COLS)); then
	case_start 'where $7 > 1000 (columns)' bytes
	tool gpipe "$GPIPE" 'where $7 > 1000' "$COLS"
	tool mawk mawk '$7 > 1000' "$COLS"
	OPT=1 tool gawk gawk '$7 > 1000' "$COLS"
	case_end
fi

PARSE_T='{} {} [{}] {} {path} status={status} latency_ms={latency} {}'
case_start "parse (path status latency)" bytes
tool gpipe "$GPIPE" "parse '$PARSE_T' | format \"{path} {status} {latency}\"" "$D"
tool mawk mawk '$6 ~ /^status=/ && $7 ~ /^latency_ms=/ { print $5, substr($6, 8), substr($7, 12) }' "$D"
tool "sed -E" sed -E -n 's/^[^ ]+ +[^ ]+ +\[[^]]*\] [^ ]+ ([^ ]+) status=([^ ]+) latency_ms=([^ ]+) .*/\1 \2 \3/p' "$D"
case_end

case_start "multiline -c (stack traces) | count" count
tool gpipe "$GPIPE" 'multiline -c "^\t|^Caused by: " | count' "$D"
tool mawk mawk '!/^\t|^Caused by: / { n++ } END { print n + 0 }' "$D"
case_end

# ---------------------------------------------------------------- aggregates and sort
# Groups come out of gpipe in first-seen order and out of awk in hash order:
# those cases compare the lines in any order (mode sorted). Where the peers
# print another format (Miller's header, jq | mawk's averages) the outputs
# are not compared (mode none): tests/bats/agg.bats checks the answers.
# prefix_of FILE BYTES: the lines of FILE that fit in BYTES
prefix_of() { head -c "$2" "$1" | mawk 'NR > 1 { print prev } { prev = $0 }'; }
AGG_JSON=$JSON.100m AGG_COLS=$COLS.100m SORT_IN=$DATA.200m
json100_of() { prefix_of "$1" $((100 << 20)); }
cols100_of() { prefix_of "$1" $((100 << 20)); }
sort200_of() { prefix_of "$1" $((200 << 20)); }
HAVE_AGG_JSON=0 HAVE_AGG_COLS=0 HAVE_SORT_IN=0
if command -v mawk >/dev/null 2>&1; then
	((HAVE_JSON)) && make_fixture "$AGG_JSON" "$JSON" json100_of && HAVE_AGG_JSON=1
	((HAVE_COLS)) && make_fixture "$AGG_COLS" "$COLS" cols100_of && HAVE_AGG_COLS=1
	make_fixture "$SORT_IN" "$DATA" sort200_of && HAVE_SORT_IN=1
fi
AWK_COUNT='{ c[$F]++ } END { for (k in c) print k "\t" c[k] }'

case_start 'count by $2 (levels)' sorted
tool gpipe "$GPIPE" 'count by $2' "$D"
tool mawk mawk -v F=2 "$AWK_COUNT" "$D"
tool gawk gawk -v F=2 "$AWK_COUNT" "$D"
case_end

case_start 'count by $5 (paths)' sorted
tool gpipe "$GPIPE" 'count by $5' "$D"
tool mawk mawk -v F=5 "$AWK_COUNT" "$D"
tool gawk gawk -v F=5 "$AWK_COUNT" "$D"
NEED="mawk sort uniq sed" tool "mawk|sort|uniq -c" bash -c "$PF"'mawk "{ print \$5 }" "$1" | sort | uniq -c | sed -E "s/^ *([0-9]+) (.*)\$/\\2\t\\1/"' _ "$D"
case_end

case_start 'count by bucket(ts, 5m)' none
tool gpipe "$GPIPE" 'count by bucket($1, 5m)' "$D"
tool mawk mawk '{ m = substr($1, 15, 2) - substr($1, 15, 2) % 5; c[substr($1, 1, 14) sprintf("%02d", m)]++ } END { for (k in c) print k "\t" c[k] }' "$D"
case_end

if ((HAVE_AGG_JSON)); then
	case_start 'json | count, avg, p99 latency by path (100 MiB)' none
	tool gpipe "$GPIPE" 'json | count, avg latency_ms, p99 latency_ms by path' "$AGG_JSON"
	tool mlr mlr --ijson --otsv stats1 -a count,mean,p99 -f latency_ms -g path "$AGG_JSON"
	NEED="jq mawk" tool "jq|mawk (no p99)" bash -c "$PF"'jq -r "[.path,.latency_ms]|@tsv" "$1" | mawk -F"\t" "{ c[\$1]++; s[\$1] += \$2 } END { for (k in c) print k \"\t\" c[k] \"\t\" s[k] / c[k] }"' _ "$AGG_JSON"
	case_end
fi

if ((HAVE_SORT_IN)); then
	case_start 'sort 200 MiB, 16 MiB of memory' bytes
	tool gpipe "$GPIPE" --memory 16M sort "$SORT_IN"
	tool "sort -S 16M" sort -S 16M "$SORT_IN"
	tool "sort -S 16M --parallel=1" sort -S 16M --parallel=1 "$SORT_IN"
	case_end
fi

if ((HAVE_AGG_COLS)); then
	# path and bytes: about a million groups in 100 MiB of columns
	case_start 'count, sum by $5, $8 (~1M groups): --memory 16M vs in memory' sorted
	tool gpipe "$GPIPE" --memory 16M 'count, sum $7 by $5, $8' "$AGG_COLS"
	NEED="$GPIPE" tool "gpipe in memory" "$GPIPE" --memory 4G 'count, sum $7 by $5, $8' "$AGG_COLS"
	tool mawk mawk '{ k = $5 "\t" $8; c[k]++; s[k] += $7 } END { for (k in c) print k "\t" c[k] "\t" s[k] }' "$AGG_COLS"
	case_end
fi

# ---------------------------------------------------------------- -j: two cores against one
# gpipe's default is -j (the number of cores); these cases time it against
# its own -j 1 on CPU-bound chains, over one file and over the same data in 8
# files (the output must be the same bytes). A ratio under 1 is the speed-up.
J_FILES=()
if ((HAVE_AGG_JSON)); then
	for i in 0 1 2 3 4 5 6 7; do J_FILES+=("$OUT/$(basename "$AGG_JSON").part$i"); done
	if [[ ! -s ${J_FILES[7]} || ${J_FILES[7]} -ot $AGG_JSON ]]; then
		(cd "$OUT" && split -n l/8 -d -a 1 "$AGG_JSON" "$(basename "$AGG_JSON").part") || J_FILES=()
	fi
fi
J_WHERE='json | where status >= 500 and path =~ "^/api" | format "{ts} {path} {latency_ms}"'
if ((HAVE_AGG_JSON)); then
	case_start "-j 2: json | where | format (one 100 MiB file)" bytes
	tool gpipe "$GPIPE" -j 2 "$J_WHERE" "$AGG_JSON"
	tool "gpipe -j 1" "$GPIPE" -j 1 "$J_WHERE" "$AGG_JSON"
	case_end
fi
if ((${#J_FILES[@]} == 8)); then
	case_start "-j 2: json | where | format (8 files)" bytes
	tool gpipe "$GPIPE" -j 2 "$J_WHERE" "${J_FILES[@]}"
	tool "gpipe -j 1" "$GPIPE" -j 1 "$J_WHERE" "${J_FILES[@]}"
	case_end
fi
if ((HAVE_SORT_IN)); then
	J_PARSE="parse '$PARSE_T' | where latency > 500 and status >= 500 | format \"{path} {latency}\""
	case_start "-j 2: parse | where | format (one 200 MiB file)" bytes
	tool gpipe "$GPIPE" -j 2 "$J_PARSE" "$SORT_IN"
	tool "gpipe -j 1" "$GPIPE" -j 1 "$J_PARSE" "$SORT_IN"
	case_end
fi
case_start "-j 2: rare literal ERROR (one file)" bytes
tool gpipe "$GPIPE" -j 2 'grep ERROR' "$D"
tool "gpipe -j 1" "$GPIPE" -j 1 'grep ERROR' "$D"
tool rg rg --no-mmap ERROR "$D"
tool grep grep ERROR "$D"
case_end

# ---------------------------------------------------------------- extras
# head 1 must stop at the first match: the same time on 10 MiB and on SIZE
# (the small file is a prefix of the big one, so the first ERROR is the same).
HEAD_SMALL="-" HEAD_BIG="-" HEAD_NOTE=""
RSS_SMALL="-" RSS_BIG="-" RSS_GZ_SMALL="-" RSS_GZ_BIG="-"
if ((HAVE_GPIPE)); then
	log ""
	log "== gpipe 'grep ERROR | head 1' on $(human_size "$SMALL_SIZE") and $(human_size "$SIZE")"
	hruns=$((RUNS < 10 ? 10 : RUNS))
	for f in "$SMALL" "$DATA"; do
		res=$("$TIMER" -n "$hruns" -o "$TMP/cur" -- "$GPIPE" 'grep ERROR | head 1' "$f") || die "timer failed"
		read -r t rss rc <<<"$res"
		if ((rc > 1)); then
			fail "gpipe 'grep ERROR | head 1' exited with status $rc on $f"
			continue
		fi
		grep -m1 ERROR "$f" >"$TMP/ref"
		if ! cmp -s "$TMP/ref" "$TMP/cur"; then
			fail "MISMATCH: gpipe 'grep ERROR | head 1' on $f differs from grep -m1 ERROR"
			continue
		fi
		if [[ $f == "$SMALL" ]]; then HEAD_SMALL=$(to_us "$t"); else HEAD_BIG=$(to_us "$t"); fi
	done
	if [[ $HEAD_SMALL =~ ^[0-9]+$ && $HEAD_BIG =~ ^[0-9]+$ ]]; then
		if ((HEAD_BIG > 2 * HEAD_SMALL + 2000)); then
			HEAD_NOTE="  <-- WARNING: grows with the file, head 1 does not stop at the first match"
		else
			HEAD_NOTE="  (ok: independent of file size)"
		fi
		log "   $(fmt_s "$HEAD_SMALL") s vs $(fmt_s "$HEAD_BIG") s"
	fi

	log ""
	log "== peak RSS of gpipe 'grep ERROR | upper'"
	for f in "$SMALL" "$DATA"; do
		res=$("$TIMER" -n 1 -o "$TMP/cur" -- "$GPIPE" 'grep ERROR | upper' "$f") || die "timer failed"
		read -r t rss rc <<<"$res"
		if ((rc > 1)); then
			fail "gpipe 'grep ERROR | upper' exited with status $rc on $f"
			continue
		fi
		grep ERROR "$f" | tr a-z A-Z >"$TMP/ref"
		if ! cmp -s "$TMP/ref" "$TMP/cur"; then
			fail "MISMATCH: gpipe 'grep ERROR | upper' on $f differs from grep ERROR | tr a-z A-Z"
			continue
		fi
		if [[ $f == "$SMALL" ]]; then RSS_SMALL=$rss; else RSS_BIG=$rss; fi
		log "   $(human_size "$(stat -c %s "$f")"): $rss KiB"
	done
	rm -f "$TMP/ref" "$TMP/cur"

	# decompression buffers must not grow with the file either
	if ((HAVE_GZ && HAVE_SMALL_GZ)); then
		log ""
		log "== peak RSS of gpipe 'grep ERROR' on .gz"
		for f in "$SMALL_GZ" "$GZ"; do
			res=$("$TIMER" -n 1 -o "$TMP/cur" -- "$GPIPE" 'grep ERROR' "$f") || die "timer failed"
			read -r t rss rc <<<"$res"
			if ((rc > 1)); then
				fail "gpipe 'grep ERROR' exited with status $rc on $f"
				continue
			fi
			grep ERROR "${f%.gz}" >"$TMP/ref"
			if ! cmp -s "$TMP/ref" "$TMP/cur"; then
				fail "MISMATCH: gpipe 'grep ERROR' on $f differs from grep ERROR on the uncompressed log"
				continue
			fi
			if [[ $f == "$SMALL_GZ" ]]; then RSS_GZ_SMALL=$rss; else RSS_GZ_BIG=$rss; fi
			log "   $(human_size "$(stat -c %s "${f%.gz}")") uncompressed: $rss KiB"
		done
		rm -f "$TMP/ref" "$TMP/cur"
	fi
fi

# ---------------------------------------------------------------- report
versions() {
	local v="" line
	if command -v grep >/dev/null 2>&1; then
		line=$(grep --version | head -n 1)
		v+="grep ${line##* }, "
	fi
	for t in rg ugrep mawk; do
		command -v $t >/dev/null 2>&1 || continue
		if [[ $t == mawk ]]; then line=$(mawk -W version 2>&1 | head -n 1); else line=$($t --version 2>/dev/null | head -n 1); fi
		read -r _ line _ <<<"$line"
		v+="$t $line, "
	done
	line=$(tr --version | head -n 1)
	v+="coreutils ${line##* }"
	if ((HAVE_GZ || HAVE_ZST || HAVE_TGZ)); then
		for t in gzip pigz zstd tar bsdtar; do
			command -v $t >/dev/null 2>&1 || continue
			line=$($t --version 2>&1 | head -n 1)
			[[ $line =~ [0-9]+(\.[0-9]+)+ ]] && v+=", $t ${BASH_REMATCH[0]}"
		done
	fi
	for t in jq mlr gawk; do
		command -v $t >/dev/null 2>&1 || continue
		line=$($t --version 2>&1 | head -n 1)
		[[ $line =~ [0-9]+(\.[0-9]+)+ ]] && v+=", $t ${BASH_REMATCH[0]}"
	done
	echo "$v"
}

# x100 A B -> A/B as "1.23"
ratio_of() {
	local r=$(($1 * 100 / ($2 > 0 ? $2 : 1)))
	printf '%d.%02d' $((r / 100)) $((r % 100))
}

# compressed_notes: gpipe against the decompress-and-grep pipeline and the
# fastest searcher with built-in decompression, per compressed case
compressed_notes() {
	local label pipe g p n best bname r note mbs
	local -a searchers
	for label in "$GZ_GREP" "$ZST_GREP" "$TGZ_GREP"; do
		case $label in
		"$GZ_GREP") pipe="zcat|grep" searchers=("rg -z" "ugrep -z") ;;
		"$ZST_GREP") pipe="zstd|grep" searchers=("rg -z" "ugrep -z") ;;
		*) pipe="tar|grep" searchers=("bsdtar|grep" "ugrep -z") ;;
		esac
		g=${TIME["$label|gpipe"]:-}
		[[ -n $g ]] || continue
		mbs=$((SIZE / (g > 0 ? g : 1)))
		note="- $label: gpipe $(fmt_s "$g") s ($mbs MB/s uncompressed)"
		p=${TIME["$label|$pipe"]:-}
		if [[ -n $p ]]; then
			r=$((p * 100 / (g > 0 ? g : 1)))
			note+="; $(ratio_of "$p" "$g")x faster than ${pipe/|/ | }"
			if [[ $label == "$GZ_GREP" ]]; then
				if ((r >= 130)); then note+=" (target >= 1.30x: ok)"; else note+=" (target >= 1.30x: MISSED)"; fi
			fi
		fi
		best="" bname=""
		for n in "${searchers[@]}"; do
			p=${TIME["$label|$n"]:-}
			[[ -n $p ]] || continue
			if [[ -z $best ]] || ((p < best)); then best=$p bname=$n; fi
		done
		if [[ -n $best ]]; then
			note+="; gpipe/$bname $(ratio_of "$g" "$best")x"
			if [[ $label == "$GZ_GREP" ]]; then
				note+=" (the faster of rg -z/ugrep -z; target <= 1.00x: "
				if ((g <= best)); then note+="ok)"; else note+="MISSED)"; fi
			fi
		fi
		echo "$note"
	done
}

print_table() {
	local h=("case" "gpipe s" "best peer s" "gpipe/best" "peers s") i w=(0 0 0 0 0) c cells
	for c in 0 1 2 3 4; do w[c]=${#h[c]}; done
	for i in "${!R_CASE[@]}"; do
		cells=("${R_CASE[i]//|/\\|}" "${R_GP[i]}" "${R_BEST[i]//|/\\|}" "${R_RATIO[i]}" "${R_PEERS[i]//|/\\|}")
		for c in 0 1 2 3 4; do ((${#cells[c]} > w[c])) && w[c]=${#cells[c]}; done
	done
	row() {
		set -- "${1//|/\\|}" "$2" "${3//|/\\|}" "$4" "${5//|/\\|}"
		printf '| %-*s | %*s | %*s | %*s | %-*s |\n' "${w[0]}" "$1" "${w[1]}" "$2" "${w[2]}" "$3" "${w[3]}" "$4" "${w[4]}" "$5"
	}
	row "${h[@]}"
	printf '|%s|%s:|%s:|%s:|%s|\n' "$(printf -- '-%.0s' $(seq $((w[0] + 2))))" \
		"$(printf -- '-%.0s' $(seq $((w[1] + 1))))" "$(printf -- '-%.0s' $(seq $((w[2] + 1))))" \
		"$(printf -- '-%.0s' $(seq $((w[3] + 1))))" "$(printf -- '-%.0s' $(seq $((w[4] + 2))))"
	for i in "${!R_CASE[@]}"; do
		row "${R_CASE[i]}" "${R_GP[i]}" "${R_BEST[i]}" "${R_RATIO[i]}" "${R_PEERS[i]}"
	done
}

{
	echo
	echo "## gpipe benchmark: $(human_size "$SIZE") log, $LINES lines, best of $RUNS runs, LC_ALL=C"
	echo
	echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; $(versions)"
	echo
	print_table
	echo
	echo "ratio = gpipe time / best peer time (< 1: gpipe is faster). rg runs with --no-mmap."
	if ((HAVE_GPIPE)); then
		hs="-" hb="-"
		[[ $HEAD_SMALL =~ ^[0-9]+$ ]] && hs=$(fmt_s "$HEAD_SMALL")
		[[ $HEAD_BIG =~ ^[0-9]+$ ]] && hb=$(fmt_s "$HEAD_BIG")
		echo
		echo "- gpipe 'grep ERROR | head 1': $hs s on $(human_size "$SMALL_SIZE"), $hb s on $(human_size "$SIZE")$HEAD_NOTE"
		echo "- peak RSS of gpipe 'grep ERROR | upper': $RSS_SMALL KiB on $(human_size "$SMALL_SIZE"), $RSS_BIG KiB on $(human_size "$SIZE")"
		r=""
		for n in grep rg ugrep; do
			[[ -n ${RSS["rare literal: ERROR|$n"]:-} ]] && r+="${r:+, }$n ${RSS["rare literal: ERROR|$n"]}"
		done
		[[ -n $r ]] && echo "  (peak RSS of peers for 'ERROR' on $(human_size "$SIZE"), KiB: $r)"
		if ((HAVE_GZ && HAVE_SMALL_GZ)); then
			echo "- peak RSS of gpipe 'grep ERROR' on .gz: $RSS_GZ_SMALL KiB on $(human_size "$SMALL_SIZE"), $RSS_GZ_BIG KiB on $(human_size "$SIZE") (uncompressed)"
		fi
	fi
	if ((HAVE_GZ || HAVE_ZST || HAVE_TGZ)); then
		f=""
		((HAVE_GZ)) && f+="${f:+, }gz $(human_size "$(stat -c %s "$GZ")")"
		((HAVE_ZST)) && f+="${f:+, }zst $(human_size "$(stat -c %s "$ZST")") (zstd -3)"
		((HAVE_TGZ)) && f+="${f:+, }tar.gz $(human_size "$(stat -c %s "$TGZ")") ($TAR_MEMBERS members)"
		echo "- compressed cases: the same log as $f; gz and tar.gz at gzip -6;"
		echo "  times include decompression, MB/s are uncompressed bytes per second"
		compressed_notes
	fi
	if ((HAVE_JSON)); then
		echo "- field cases: the log as JSON Lines, $(human_size "$(stat -c %s "$JSON")") (bench/tojson.awk);"
		echo "  its access lines as columns, $(human_size "$(stat -c %s "$COLS")") (\$7 is latency_ms)"
	fi
	c='count, sum by $5, $8 (~1M groups): --memory 16M vs in memory'
	if [[ -n ${RSS["$c|gpipe"]:-} ]]; then
		echo "- ~1M groups ($(cut -d' ' -f5,8 "$AGG_COLS" 2>/dev/null | sort -u | wc -l) exactly): peak RSS ${RSS["$c|gpipe"]} KiB with --memory 16M, ${RSS["$c|gpipe in memory"]:--} KiB in memory, mawk ${RSS["$c|mawk"]:--} KiB"
	fi
	c='sort 200 MiB, 16 MiB of memory'
	[[ -n ${RSS["$c|gpipe"]:-} ]] && echo "- sort: peak RSS gpipe ${RSS["$c|gpipe"]} KiB, sort -S 16M ${RSS["$c|sort -S 16M"]:--} KiB"
	((${#MISSING[@]})) && echo "- missing peers (not installed): ${MISSING[*]}"
	for s in "${SKIPPED[@]}"; do echo "- skipped: $s"; done
	for f in "${FAILURES[@]}"; do echo "- FAILED: $f"; done
	echo "- total bench time: $(($(date +%s) - T_START)) s"
}

exit "$STATUS"
