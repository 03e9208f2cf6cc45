#!/usr/bin/env bats
# Resources: gpipe dies of SIGINT/SIGTERM/SIGHUP after releasing what it
# holds, stops on a closed output pipe even with endless input, leaks no
# memory or descriptors (valgrind), and runs in constant memory (peak RSS of a
# 10 MiB and a 500 MiB input differ by less than 1 MiB).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	mkdir -p private
	printf 'one\ntwo ERROR\nthree ERROR\n' > a.log
	printf 'x ERROR\ny\n' > b.log
	BG_PIDS=
}

teardown() {
	local p
	for p in $BG_PIDS; do kill -KILL "$p" 2> /dev/null || true; done
	exec 4>&- 2> /dev/null || true
	rm -f small.log huge.log block
}

# gone PID: the process has exited (a zombie waiting to be reaped, or gone).
gone() {
	local stat
	stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 0
	stat=${stat##*) }
	[ "${stat:0:1}" = Z ]
}

# read_more_than PID BYTES: the process has read more than BYTES.
read_more_than() {
	local rchar
	rchar=$(awk '$1 == "rchar:" { print $2 }' "/proc/$1/io" 2> /dev/null) || return 1
	[ -n "$rchar" ] && [ "$rchar" -gt "$2" ]
}

# A background job of a script starts with SIGINT ignored, and gpipe keeps an
# inherited ignore (as grep does): `$DFL "$GPIPE" ...` restores the default
# for the tests that interrupt it.
DFL='env --default-signal=INT'

# bash -c "$CLEAN" _ CMD...: runs CMD with every descriptor above 2 closed.
# (No redirection on the loop: bash would park a copy of fd 2 above 2.)
CLEAN='for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@"'

# fds PID: "N -> target" for each descriptor of PID, sorted by N.
fds() {
	local f
	for f in /proc/"$1"/fd/*; do
		printf '%s -> %s\n' "${f##*/}" "$(readlink "$f")"
	done | sort -n
}

# start_on_fifo: gpipe 'grep ERROR | upper' on two files and then a FIFO kept
# open by fd 4; returns once the FIFO's first record is out, so gpipe is then
# blocked reading the FIFO, the two files done.
start_on_fifo() {
	mkfifo fifo
	TMPDIR="$BATS_TEST_TMPDIR/private" bash -c "$CLEAN" _ $DFL "$GPIPE" 'grep ERROR | upper' \
		a.log b.log fifo < /dev/null > out 2> err &
	PID=$!
	BG_PIDS=$PID
	exec 4> fifo
	printf 'x ERROR 1\ny\n' >&4
	wait_until grep -qx 'X ERROR 1' out
}

# killed_by SIG STATUS: send SIG to $PID, which must exit with STATUS.
killed_by() {
	kill -s "$1" "$PID"
	wait_until gone "$PID"
	local st=0
	wait "$PID" || st=$?
	exec 4>&-
	[ "$st" -eq "$2" ] || { echo "status $st, want $2"; cat err; return 1; }
}

@test "SIGINT mid-run: exits 130, output kept, nothing on stderr, no leaked descriptor" {
	start_on_fifo
	# Only the standard descriptors and the FIFO are open: a.log and b.log
	# were closed when done.
	run fds "$PID"
	local here
	here=$(pwd -P)
	[ "$output" = "$(printf '%s\n' "0 -> /dev/null" "1 -> $here/out" "2 -> $here/err" "3 -> $here/fifo")" ] ||
		{ echo "open descriptors:"; echo "$output"; return 1; }
	killed_by INT 130
	[ "$(cat out)" = "$(printf '%s\n' 'TWO ERROR' 'THREE ERROR' 'X ERROR' 'X ERROR 1')" ]
	[ ! -s err ]
	[ -z "$(ls -A private)" ]
}

@test "SIGTERM mid-run: exits 143" {
	start_on_fifo
	killed_by TERM 143
	[ "$(cat out)" = "$(printf '%s\n' 'TWO ERROR' 'THREE ERROR' 'X ERROR' 'X ERROR 1')" ]
	[ ! -s err ]
	[ -z "$(ls -A private)" ]
}

@test "SIGHUP mid-run: exits 129" {
	start_on_fifo
	killed_by HUP 129
	[ "$(cat out)" = "$(printf '%s\n' 'TWO ERROR' 'THREE ERROR' 'X ERROR' 'X ERROR 1')" ]
	[ ! -s err ]
}

@test "SIGINT while busy on endless input: exits 130, prints nothing" {
	# count never writes before its input ends: an interrupted count prints
	# no partial number.
	yes 'x ERROR' 3>&- | TMPDIR="$BATS_TEST_TMPDIR/private" bash -c "$CLEAN" _ $DFL "$GPIPE" 'grep ERROR | count' \
		> out 2> err &
	PID=$!
	BG_PIDS=$PID
	wait_until read_more_than "$PID" 20000000
	killed_by INT 130
	wait # the yes, dead of SIGPIPE
	[ ! -s out ]
	[ ! -s err ]
	[ -z "$(ls -A private)" ]
}

@test "SIGTERM while busy on endless input: exits 143" {
	yes 'x ERROR' 3>&- | bash -c "$CLEAN" _ "$GPIPE" 'upper' > /dev/null 2> err &
	PID=$!
	BG_PIDS=$PID
	wait_until read_more_than "$PID" 20000000
	killed_by TERM 143
	wait
	[ ! -s err ]
}

@test "closed output pipe on endless input: gpipe stops, exit 0, quietly" {
	run --separate-stderr timeout -k 5 60 bash -c 'set -o pipefail
		yes "x ERROR" | "$1" "grep ERROR | upper" 2> err | head -1
		echo "status ${PIPESTATUS[1]} ${PIPESTATUS[2]}"' _ "$GPIPE"
	[ "${lines[0]}" = 'X ERROR' ]
	[ "${lines[1]}" = 'status 0 0' ]
	[ ! -s err ]
}

@test "closed output pipe with head early stop over several files: exit 0, quietly" {
	awk 'BEGIN { for (i = 1; i <= 100000; i++) print "line " i " ERROR" }' > m.log
	run --separate-stderr bash -c 'set -o pipefail
		"$1" "grep ERROR | head 50000" "$2" "$2" 2> err | head -1
		echo "status ${PIPESTATUS[*]}"' _ "$GPIPE" m.log
	[ "${lines[0]}" = 'line 1 ERROR' ]
	[ "${lines[1]}" = 'status 0 0' ]
	[ ! -s err ]
}

# --- valgrind ---------------------------------------------------------------------



@test "valgrind: grep -o with --color=always, tail, -z, -H -n" {
	valgrind_setup
	VG_STDIN=b.log
	vg 0 --color=always 'grep -o ERR' a.log b.log
	vg 0 --color=always -H -n 'grep -i error | lower' a.log
	vg 0 'tail 2' a.log b.log
	vg 0 'grep -v ERROR | tail 5' a.log - b.log
	printf 'a\0b ERROR\0c' > z.log
	vg 0 -z 'grep -w ERROR | upper' z.log
	vg 0 -n 'skip 1 | trim | count' a.log b.log
}

@test "valgrind: head stops early over several files; a directory input" {
	valgrind_setup
	VG_STDIN=b.log
	awk 'BEGIN { for (i = 1; i <= 100000; i++) print "line " i " ERROR" }' > m.log
	vg 0 'grep ERROR | head 3' m.log m.log a.log
	vg 0 'head 1' a.log m.log
	mkdir -p d/sub
	cp a.log d/
	cp b.log d/sub/
	vg 0 -H 'grep ERROR' d
}

@test "valgrind: errors — missing file, invalid regex, bad expressions" {
	valgrind_setup
	VG_STDIN=b.log
	vg 2 'grep ERROR' a.log missing.log b.log
	vg 2 'grep (' a.log
	vg 2 'grep -e ok -e "(("' a.log
	vg 2 'grep ERROR | uper' a.log
	vg 2 "grep 'abc" a.log
	vg 2 'head x' a.log
	vg 2 --max-record 1K 'upper' <(printf 'short\n%02000d\nend\n' 0)
	vg 1 'grep nomatch' a.log
	printf 'grep ERROR\n| hed 2\n' > bad.gp
	vg 2 -f bad.gp a.log
}

# --- constant memory ----------------------------------------------------------------

@test "constant memory: peak RSS of 10 MiB and 500 MiB inputs differ by < 1 MiB" {
	no_asan
	# A 1 MiB block of log lines (one in 50 an ERROR), repeated.
	awk 'BEGIN {
		while (n < 1048576) {
			i++
			l = sprintf("2024-05-01T12:%02d:%02d %s svc=api request %06d took %dms", i % 60, i % 59,
				(i % 50 ? "INFO " : "ERROR"), i, i % 997)
			if (n + length(l) + 1 > 1048576) l = substr(l, 1, 1048576 - n - 1)
			print l
			n += length(l) + 1
		}
	}' > block
	[ "$(stat -c %s block)" -eq 1048576 ]
	local i
	for ((i = 0; i < 10; i++)); do cat block; done > small.log
	for ((i = 0; i < 500; i++)); do cat block; done > huge.log
	flat_rss 'grep ERROR | upper' small.log huge.log
	# Both runs did the work.
	[ "$(wc -l < huge.log.out)" -eq $((50 * $(wc -l < small.log.out))) ]
}

@test "constant memory: json | where | format over 10 MiB and 300 MiB of JSON Lines differ by < 1 MiB" {
	no_asan
	# A 1 MiB block of JSON records, one in 20 with status 503, repeated.
	awk 'BEGIN {
		while (n < 1048576) {
			i++
			l = sprintf("{\"ts\":\"2024-05-01T12:%02d:%02d\",\"status\":%d,\"path\":\"/api/v1/items/%d\",\"latency_ms\":%d.5,\"req\":{\"headers\":{\"host\":\"h%d.example\"}},\"tags\":[\"a\",\"b\"]}",
				i % 60, i % 59, (i % 20 ? 200 : 503), i, i % 997, i % 7)
			if (n + length(l) + 1 > 1048576) break
			print l
			n += length(l) + 1
		}
		# pad with a blank record (json skips blank records)
		if (n < 1048576) { while (n < 1048575) { printf " "; n++ } printf "\n" }
	}' > block
	[ "$(stat -c %s block)" -eq 1048576 ]
	local i
	for ((i = 0; i < 10; i++)); do cat block; done > small.jsonl
	for ((i = 0; i < 300; i++)); do cat block; done > huge.jsonl
	local expr='json | where status >= 500 and path =~ "^/api" | format "{ts} {path} {latency_ms} {req.headers.host}"'
	flat_rss "$expr" small.jsonl huge.jsonl
	[ -s small.jsonl.out ]
	[ "$(wc -l < huge.jsonl.out)" -eq $((30 * $(wc -l < small.jsonl.out))) ]
}

# --- the expression parser is linear ------------------------------------------------

# rss_below KIB ARGS...: gpipe ARGS (stdout to out, stderr to err) peaks below
# KIB KiB of resident memory; its status is left in $st.
rss_below() {
	local max=$1
	shift
	st=0
	"$PEAKRSS" rss "$GPIPE" "$@" > out 2> err || st=$?
	echo "# $(cat rss) KiB: gpipe ${1:0:40}..." >&3
	[ "$(cat rss)" -lt "$max" ] || { echo "peak RSS $(cat rss) KiB, want < $max: gpipe ${1:0:60}"; return 1; }
}

@test "parser: 16,000 -e, where not x 32,000, 1,000 stages and a 1 MiB expression in bounded memory" {
	no_asan
	peakrss_tool
	printf 'a\nw0099999\nzzz\n' > in.log
	# Each of these took gigabytes: every word had a copy of the rest of the
	# expression (and its byte map).
	python3 -c "print('grep ' + ' '.join(['-e a'] * 16000))" > e.gp
	rss_below 65536 -f e.gp in.log
	[ "$st" -eq 0 ] && [ "$(cat out)" = a ]
	python3 -c "print('upper | ' * 999 + 'lower')" > e.gp
	rss_below 65536 -f e.gp in.log
	[ "$st" -eq 0 ] && [ "$(cat out)" = "$(printf 'a\nw0099999\nzzz')" ]
	python3 -c "print('where ' + 'not ' * 32000 + 'x')" > e.gp
	rss_below 65536 -f e.gp in.log
	[ "$st" -eq 2 ] && [ "$(head -1 err)" = "gpipe: e.gp:1: where: expression nested too deeply (more than 256 levels)" ]
	# where's strings are sized by themselves, not by the rest of the
	# expression (1,000 strings in 220 KB once took about 1 GB).
	python3 -c "print('where ' + ' or '.join('\$1 == \"w%07d%s\"' % (i, 'x' * 200) for i in range(1000)) + ' or \$1 == \"zzz\"')" > e.gp
	rss_below 65536 -f e.gp in.log
	[ "$st" -eq 0 ] && [ "$(cat out)" = zzz ]
	# 1.1 MB of expression: 100,000 patterns (once "expression file too large").
	python3 -c "print('grep -F ' + ' '.join('-e w%07d' % i for i in range(100000)))" > e.gp
	[ "$(stat -c %s e.gp)" -gt 1048576 ]
	rss_below 524288 -f e.gp in.log
	[ "$st" -eq 0 ] && [ "$(cat out)" = w0099999 ]
}

@test "parser: grep -f costs what its file holds (a 1 MiB pattern file, a one-line file)" {
	no_asan
	peakrss_tool
	printf 'a\nw0099999\nzzz\n' > in.log
	# A one-line file once cost 64 MiB (a zeroed buffer for the largest file).
	printf 'zzz\n' > one.pat
	rss_below 32768 "grep -f one.pat" in.log
	[ "$st" -eq 0 ] && [ "$(cat out)" = zzz ]
	python3 -c "print('\n'.join('w%07d' % i for i in range(0, 1200000, 10)))" > big.pat
	[ "$(stat -c %s big.pat)" -gt 1048576 ]
	rss_below 524288 "grep -f big.pat" in.log
	[ "$st" -eq 1 ] && [ ! -s out ] && [ ! -s err ]
	python3 -c "print('\n'.join('w%07d' % i for i in range(0, 1200000, 9)))" > big.pat
	rss_below 524288 "grep -f big.pat" in.log
	[ "$st" -eq 0 ] && [ "$(cat out)" = w0099999 ]
}

# --- signals: a blocked write, an inherited ignore ----------------------------------

# blocked_writing_pipe PID: the process sleeps inside write() to a pipe.
blocked_writing_pipe() {
	local wchan
	wchan=$(cat "/proc/$1/wchan" 2> /dev/null) || return 1
	[[ $wchan == *pipe_write* ]]
}

@test "SIGTERM and SIGINT while a write is blocked on a reader that stopped reading: exits by the signal" {
	# 20 MB of lines, gzipped: far more than a pipe holds.
	python3 -c "
import random
r = random.Random(5)
for i in range(250000): print('line %d %s' % (i, 'x' * r.randrange(150)))" | gzip > big.gz
	mkfifo stall
	local sig want
	for sig in TERM INT; do
		# The reader holds the FIFO open and never reads.
		sleep 1000 < stall &
		BG_PIDS="$BG_PIDS $!"
		TMPDIR="$BATS_TEST_TMPDIR/private" $DFL "$GPIPE" upper big.gz > stall 2> err &
		PID=$!
		BG_PIDS="$BG_PIDS $PID"
		# The pipe is full (64 KiB) and gpipe is blocked in write() after a
		# partial write of its 256 KiB block.
		wait_until blocked_writing_pipe "$PID"
		want=$((128 + $(kill -l "$sig")))
		killed_by "$sig" "$want"
		[ ! -s err ]
		[ -z "$(ls -A private)" ]
	done
}

@test "an inherited SIG_IGN for SIGHUP and SIGINT is kept (nohup, background jobs): the run completes" {
	local sig
	for sig in HUP INT; do
		rm -f fifo out err
		mkfifo fifo
		env --ignore-signal="$sig" "$GPIPE" 'grep ERROR | upper' fifo > out 2> err &
		PID=$!
		BG_PIDS="$BG_PIDS $PID"
		exec 4> fifo
		printf 'x ERROR 1\ny\n' >&4
		# Blocked reading the FIFO (its first record was flushed then).
		wait_until grep -qx 'X ERROR 1' out
		kill -s "$sig" "$PID"
		sleep 0.2
		! gone "$PID" || { echo "gpipe died of SIG$sig although it was ignored"; cat err; return 1; }
		printf 'z ERROR 2\n' >&4
		exec 4>&-
		wait_until gone "$PID"
		local st=0
		wait "$PID" || st=$?
		[ "$st" -eq 0 ] || { echo "status $st"; cat err; return 1; }
		[ "$(cat out)" = "$(printf 'X ERROR 1\nZ ERROR 2')" ]
		[ ! -s err ]
	done
	# SIGPIPE ignored by the parent: a closed pipe still ends the run quietly.
	run --separate-stderr timeout -k 5 60 bash -c 'set -o pipefail
		yes "x ERROR" | env --ignore-signal=PIPE "$1" "grep ERROR | upper" 2> err | head -1
		echo "status ${PIPESTATUS[1]} ${PIPESTATUS[2]}"' _ "$GPIPE"
	[ "${lines[0]}" = 'X ERROR' ]
	[ "${lines[1]}" = 'status 0 0' ]
	[ ! -s err ]
}

# --- closed standard descriptors ------------------------------------------------------

@test "closed stdout (>&-): a write error, exit 2, even with a zip spooled from stdin and --line-buffered" {
	need bsdtar
	printf 'one x\ntwo\nthree x\n' > m.log
	bsdtar --format zip -cf a.zip m.log
	local lb
	for lb in --line-buffered --no-filename; do
		# The spool (a temporary copy of the zip) once took fd 1 and the
		# matches went into it: exit 0, the output gone.
		run --separate-stderr bash -c 'cat a.zip | TMPDIR="$3" "$1" "$2" "grep x" >&-' _ "$GPIPE" "$lb" \
			"$BATS_TEST_TMPDIR/private"
		[ "$status" -eq 2 ] && [ "$stderr" = 'gpipe: write error: Bad file descriptor' ] ||
			{ echo "$lb: status $status, stderr: $stderr"; return 1; }
		[ -z "$(ls -A private)" ]
	done
	# Nothing to write: no error, as grep (exit 1).
	run --separate-stderr bash -c 'cat a.zip | "$1" "grep nomatch" >&-' _ "$GPIPE"
	[ "$status" -eq 1 ] && [ -z "$stderr" ]
	run --separate-stderr bash -c '"$1" --help >&-' _ "$GPIPE"
	[ "$status" -eq 2 ] && [ "$stderr" = 'gpipe: write error: Bad file descriptor' ]
}

@test "closed stderr (2>&-) or stdin (<&-): no file takes their place; the status still says 2" {
	need bsdtar
	printf 'one x\ntwo\nthree x\n' > m.log
	bsdtar --format zip -cf a.zip m.log
	run --separate-stderr bash -c 'cat a.zip | TMPDIR="$2" "$1" "grep x" - missing.log 2>&-' _ "$GPIPE" \
		"$BATS_TEST_TMPDIR/private"
	[ "$status" -eq 2 ] && [ "$output" = "$(printf 'one x\nthree x')" ]
	[ -z "$(ls -A private)" ]
	# The first file opened (here a FIFO) once became fd 2, the messages'
	# destination.
	mkfifo fifo
	bash -c "$CLEAN" _ "$GPIPE" 'grep x' fifo < /dev/null > out 2>&- &
	PID=$!
	BG_PIDS=$PID
	exec 4> fifo
	printf 'a x\n' >&4
	wait_until grep -qx 'a x' out
	run fds "$PID"
	[ "$output" = "$(printf '%s\n' "0 -> /dev/null" "1 -> $(pwd -P)/out" "2 -> /dev/null" "3 -> $(pwd -P)/fifo")" ] ||
		{ echo "open descriptors:"; echo "$output"; return 1; }
	exec 4>&-
	wait_until gone "$PID"
	wait "$PID"
	# A closed stdin reads as an error, as grep's does.
	run --separate-stderr bash -c '"$1" "grep x" <&-' _ "$GPIPE"
	[ "$status" -eq 2 ] && [ "$stderr" = 'gpipe: (standard input): read error: Bad file descriptor' ]
}
