#!/usr/bin/env bats
# Output and exit status: 0 when a record was written, 1 when none was, 2 on
# any error (even with output); origin and line-number prefixes; NUL output;
# --line-buffered; write errors; a closed output pipe.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	printf 'one\ntwo ERROR\nthree ERROR\n' > a.log
	printf 'x ERROR\ny\n' > b.log
}

teardown() {
	# Background writers of the FIFO tests, if a test failed before reaping them.
	local p
	for p in ${BG_PIDS:-}; do kill "$p" 2> /dev/null || true; done
	bg_teardown
}

# big_log PATH: a log of about 4 MiB (far more than a pipe and gpipe's
# output buffer hold), every 10th line an ERROR.
big_log() {
	awk 'BEGIN { for (i = 1; i <= 80000; i++)
		printf "2024-05-01T12:00:00 %s request %d took 12ms\n", (i % 10 ? "INFO " : "ERROR"), i }' > "$1"
}

# --- exit status ----------------------------------------------------------------

@test "exit 0 when a record was written" {
	run --separate-stderr "$GPIPE" 'grep ERROR' a.log b.log
	out_is 0 'two ERROR' 'three ERROR' 'x ERROR'
}

@test "exit 1 when no record was written" {
	run --separate-stderr "$GPIPE" 'grep nomatch' a.log b.log
	out_is 1
	: > empty.log
	run --separate-stderr "$GPIPE" upper empty.log
	out_is 1
	run --separate-stderr "$GPIPE" 'head 0' a.log
	out_is 1
}

@test "count writes a record even when it counts nothing: exit 0" {
	run --separate-stderr "$GPIPE" 'grep nomatch | count' a.log
	out_is 0 0
}

@test "exit 2 on an error even with output: a missing file among good ones" {
	run --separate-stderr "$GPIPE" 'grep ERROR' a.log missing.log b.log
	[ "$status" -eq 2 ]
	[ "$output" = "$(printf '%s\n' 'two ERROR' 'three ERROR' 'x ERROR')" ]
	[ "$stderr" = "gpipe: cannot open 'missing.log': No such file or directory" ]
}

@test "exit 2 on an error without output" {
	run --separate-stderr "$GPIPE" 'grep nomatch' a.log missing.log
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "gpipe: cannot open 'missing.log': No such file or directory" ]
}

@test "a last line without a newline gets one" {
	printf 'a\nb' > nonl.log
	run --separate-stderr "$GPIPE" upper nonl.log
	out_is 0 A B
	"$GPIPE" upper nonl.log | od -An -c | tr -s ' ' > got
	[ "$(cat got)" = ' A \n B \n' ]
}

# --- prefixes -------------------------------------------------------------------

@test "-H: the origin prefix 'file:'" {
	run --separate-stderr "$GPIPE" -H 'grep ERROR' a.log b.log
	out_is 0 'a.log:two ERROR' 'a.log:three ERROR' 'b.log:x ERROR'
	run --separate-stderr "$GPIPE" --with-filename upper b.log
	out_is 0 'b.log:X ERROR' 'b.log:Y'
}

@test "-H: '(standard input):' for standard input, named '-' or implied" {
	run --separate-stderr "$GPIPE" -H 'grep ERROR' < b.log
	out_is 0 '(standard input):x ERROR'
	run --separate-stderr "$GPIPE" -H 'grep ERROR' a.log - < b.log
	out_is 0 'a.log:two ERROR' 'a.log:three ERROR' '(standard input):x ERROR'
}

@test "--no-filename after -H turns the prefix off" {
	run --separate-stderr "$GPIPE" -H --no-filename 'grep ERROR' a.log b.log
	out_is 0 'two ERROR' 'three ERROR' 'x ERROR'
}

@test "-n: line numbers count from 1 in each input" {
	run --separate-stderr "$GPIPE" -n 'grep ERROR' a.log b.log
	out_is 0 '2:two ERROR' '3:three ERROR' '1:x ERROR'
	run --separate-stderr "$GPIPE" --line-number 'grep -v ERROR | upper' a.log b.log
	out_is 0 '1:ONE' '2:Y'
	run --separate-stderr "$GPIPE" -n upper < b.log
	out_is 0 '1:X ERROR' '2:Y'
}

@test "-H -n: file:line:text, in that order whatever the option order" {
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' a.log b.log
	out_is 0 'a.log:2:two ERROR' 'a.log:3:three ERROR' 'b.log:1:x ERROR'
	run --separate-stderr "$GPIPE" -nH 'grep three' a.log
	out_is 0 'a.log:3:three ERROR'
	run --separate-stderr "$GPIPE" -n -H 'tail 1' a.log - < b.log
	out_is 0 '(standard input):2:y'
}

@test "records made by count have no prefix" {
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR | count' a.log b.log
	out_is 0 3
}

# --- NUL records ------------------------------------------------------------------

@test "-z: records end with NUL on output too" {
	printf 'a\0b ERROR\0c\nERROR\0d' > z.log
	"$GPIPE" -z 'grep ERROR' z.log > out
	printf 'b ERROR\0c\nERROR\0' | cmp - out
	# A last record without its NUL gets one.
	"$GPIPE" -z upper z.log > out
	printf 'A\0B ERROR\0C\nERROR\0D\0' | cmp - out
	"$GPIPE" --null-data -H -n 'grep ERROR' z.log > out
	printf 'z.log:2:b ERROR\0z.log:3:c\nERROR\0' | cmp - out
}

@test "-z: newline-only input is one record" {
	printf 'a\nb\n' > nl.log
	"$GPIPE" -z count nl.log > out
	printf '1\0' | cmp - out
}

# --- buffering --------------------------------------------------------------------

@test "--line-buffered: records are written before the next input is even opened" {
	# gpipe blocks opening a FIFO until a writer comes; the records of a.log
	# are already through the chain and must be out by then.
	mkfifo fifo
	"$GPIPE" --line-buffered 'grep ERROR | upper' a.log fifo > out 2> err 3>&- &
	local pid=$!
	BG_PIDS="$pid"
	wait_until grep -qx 'THREE ERROR' out
	[ "$(cat out)" = "$(printf 'TWO ERROR\nTHREE ERROR')" ]
	printf 'x ERROR\n' > fifo
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	[ "$(cat out)" = "$(printf 'TWO ERROR\nTHREE ERROR\nX ERROR')" ]
	[ ! -s err ]
}

@test "without --line-buffered, records are still written when the input pauses" {
	fifo_gp -n 'grep ERROR'
	printf 'a\nb ERROR\n' >&5
	wait_until grep -qx '2:b ERROR' out
	printf 'c ERROR\n' >&5
	wait_until grep -qx '3:c ERROR' out
	fifo_close
	gp_reaped 0
	[ "$(cat out)" = "$(printf '2:b ERROR\n3:c ERROR')" ]
}

# --- write errors -----------------------------------------------------------------

@test "write error on a full device: one message, exit 2" {
	[ -w /dev/full ] || skip "no /dev/full"
	big_log big.log
	run --separate-stderr bash -c '"$1" upper "$2" > /dev/full' _ "$GPIPE" big.log
	[ "$status" -eq 2 ]
	[ "$stderr" = 'gpipe: write error: No space left on device' ]
	# Small output (written only at the end) and the prefixed path too.
	run --separate-stderr bash -c '"$1" upper "$2" > /dev/full' _ "$GPIPE" a.log
	[ "$status" -eq 2 ]
	[ "$stderr" = 'gpipe: write error: No space left on device' ]
	run --separate-stderr bash -c '"$1" -H -n "grep ERROR" "$2" > /dev/full' _ "$GPIPE" big.log
	[ "$status" -eq 2 ]
	[ "$stderr" = 'gpipe: write error: No space left on device' ]
}

@test "a closed standard output is a write error" {
	run --separate-stderr bash -c '"$1" upper "$2" >&-' _ "$GPIPE" a.log
	[ "$status" -eq 2 ]
	[ "$stderr" = 'gpipe: write error: Bad file descriptor' ]
}

@test "closed output pipe: gpipe upper big | head -1 exits 0, quietly" {
	big_log big.log
	run --separate-stderr bash -c 'set -o pipefail
		"$1" upper "$2" 2> err | head -1
		echo "status ${PIPESTATUS[*]}"' _ "$GPIPE" big.log
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '2024-05-01T12:00:00 INFO  REQUEST 1 TOOK 12MS' ]
	[ "${lines[1]}" = 'status 0 0' ]
	[ ! -s err ]
}

@test "closed output pipe with prefixes and several inputs: exit 0, quietly" {
	big_log big.log
	run --separate-stderr bash -c 'set -o pipefail
		"$1" -H -n "grep ERROR" "$2" "$2" "$2" 2> err | head -2
		echo "status ${PIPESTATUS[*]}"' _ "$GPIPE" big.log
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'big.log:10:2024-05-01T12:00:00 ERROR request 10 took 12ms' ]
	[ "${lines[1]}" = 'big.log:20:2024-05-01T12:00:00 ERROR request 20 took 12ms' ]
	[ "${lines[2]}" = 'status 0 0' ]
	[ ! -s err ]
}

@test "closed output pipe after a missing input: still exit 2" {
	big_log big.log
	run --separate-stderr bash -c 'set -o pipefail
		"$1" upper missing.log "$2" 2> err | head -1
		echo "status ${PIPESTATUS[*]}"' _ "$GPIPE" big.log
	[ "${lines[1]}" = 'status 2 0' ]
	[ "$(cat err)" = "gpipe: cannot open 'missing.log': No such file or directory" ]
}

@test "--stats: records in and out of every stage and of the output, on stderr; stdout and status unchanged" {
	seq 1 100 > nums.log
	run --separate-stderr "$GPIPE" --stats 'grep 5 | head 3' nums.log
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '5\n15\n25')" ]
	[ "${#stderr_lines[@]}" -eq 7 ]
	[ "${stderr_lines[0]}" = "gpipe: stats" ]
	# stage, records in, records out, bytes out (the time varies)
	local got
	got=$(printf '%s\n' "${stderr_lines[@]:1:5}" | awk '{ print $1, $2, $3, $4 }')
	[ "$got" = "$(printf '%s\n' 'stage records in records' 'read - 100 292' 'grep 100 19 56' \
		'head 19 3 8' 'output 3 - 8')" ] || { echo "$got"; return 1; }
	[[ ${stderr_lines[6]} =~ ^"  peak memory "[0-9]+" KiB; "[0-9.]+" s wall" ]]
	# Without --stats, nothing on stderr.
	run --separate-stderr "$GPIPE" 'grep 5 | head 3' nums.log
	[ -z "$stderr" ]
	run --separate-stderr "$GPIPE" --stats 'grep nomatch' nums.log
	[ "$status" -eq 1 ] && [ -z "$output" ]
	[[ $(printf '%s\n' "${stderr_lines[@]}" | awk '$1 == "grep" { print $2, $3 }') == "100 0" ]]
}

@test "--progress: bytes read of the total, rate and time left on stderr; nothing for short runs; bad intervals" {
	yes 'a log line with some text in it' | head -c 50000000 > big.log
	run --separate-stderr "$GPIPE" --progress=0.01 'replace "a" "b" | count' big.log
	[ "$status" -eq 0 ] && [ "$output" = 1562500 ]
	[ "${#stderr_lines[@]}" -ge 1 ]
	local l
	for l in "${stderr_lines[@]}"; do
		[[ $l =~ ^"gpipe: "[0-9.]+" "(B|KiB|MiB)" of 47.7 MiB ("[0-9]+"%), "[0-9]+" MB/s, "[0-9]+" s left"$ ]] ||
			{ echo "bad line: $l"; return 1; }
	done
	# Standard input: no total.
	run --separate-stderr bash -c '(printf "a\n"; sleep 0.7; printf "b\n") | "$1" --progress=0.3 count' _ "$GPIPE"
	[ "$output" = 2 ]
	[ "${#stderr_lines[@]}" -ge 1 ]
	for l in "${stderr_lines[@]}"; do
		[[ $l =~ ^"gpipe: "[0-9]+" B read, "[0-9]+" MB/s"$ ]] || { echo "bad line: $l"; return 1; }
	done
	# A short run shows nothing (the default waits a second).
	run --separate-stderr "$GPIPE" --progress count big.log
	[ "$output" = 1562500 ] && [ -z "$stderr" ]
	run --separate-stderr "$GPIPE" --progress=0 count big.log
	[ "$status" -eq 2 ] && [ "$stderr" = "gpipe: invalid --progress interval '0' (want seconds, 0.01 to 86400)" ]
}

@test "-o csv and -o tsv: a record with no fields is one empty line for a run of them, then a new header" {
	# A record without fields: before, a header of no names and a row of no
	# cells (two empty lines), and memcmp(NULL) under UBSan.
	run --separate-stderr bash -c 'printf "{}\n{}\n" | "$1" -o csv json > got' _ "$GPIPE"
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	printf '\n' | cmp - got
	# select of a field a line lacks: a column with an empty cell, as awk's
	# print $3 prints an empty field
	run --separate-stderr bash -c 'echo x | "$1" -o csv "select nope" > got' _ "$GPIPE"
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	printf 'nope\n\n' | cmp - got
	printf '{"a":1}\n{"b":2}\n{"b":3}\n{"a":"x,y"}\n{"a":2}\n' > t.jsonl
	run --separate-stderr bash -c '"$1" -o csv "json | select a" t.jsonl > got' _ "$GPIPE"
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	printf 'a\n1\n\na\n"x,y"\n2\n' | cmp - got
	run --separate-stderr bash -c '"$1" -o tsv "json | select b" t.jsonl > got' _ "$GPIPE"
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	printf '\nb\n2\n3\n\n' | cmp - got
}
