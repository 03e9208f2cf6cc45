#!/usr/bin/env bats
# -j N (issue 12): the per-record head of a chain runs on pieces of the
# input side by side, the rest once, and the output is that of -j 1 byte for
# byte: records, exit status, and the same messages.

load helpers
bats_require_minimum_version 1.5.0

# The inputs, made once: a 5 MiB log whose records cross the 1 MiB pieces
# (some 300 KB long), JSON and logfmt lines, small files, compressed ones,
# a tar.gz of many members, a directory, an empty file and one without its
# last newline.
setup_file() {
	cd "$BATS_FILE_TMPDIR" || exit 1
	python3 - <<'EOF'
import random, gzip, tarfile, os, io
r = random.Random(12)
levels = ['INFO', 'WARN', 'ERROR', 'DEBUG']
paths = ['/api/users', '/api/orders', '/health', '/login', '/static/app.js']
def line(i, long=False):
    k = r.random()
    if k < 0.45:
        return '2024-06-01T12:%02d:%02d.%03dZ %s [w-%d] GET %s status=%d latency_ms=%d' % (
            i // 3600 % 60, i // 60 % 60, i % 1000, r.choice(levels), r.randint(1, 9),
            r.choice(paths), r.choice([200, 200, 201, 404, 500, 503]), r.randint(1, 900))
    if k < 0.75:
        return '{"ts":"2024-06-01T12:00:%02dZ","level":"%s","path":"%s","status":%d,"ms":%d,"tags":["a","b%d"]}' % (
            i % 60, r.choice(levels), r.choice(paths), r.choice([200, 404, 500]), r.randint(1, 999), i % 7)
    if k < 0.97:
        return 'level=%s path=%s user="u %d" ms=%d' % (r.choice(levels).lower(), r.choice(paths), r.randint(1, 50), r.randint(1, 99))
    if k < 0.985 and long:
        return 'x' * r.randint(1, 300000) + ' ERROR long'
    return '\tat com.example.Thing(Thing.java:%d)' % r.randint(1, 900)
with open('big.log', 'w') as f:
    n, i = 0, 0
    while n < 5 * 1024 * 1024:
        s = line(i, True) + '\n'
        f.write(s)
        n += len(s)
        i += 1
for name in 'abcdefgh':
    with open(name + '.log', 'w') as f:
        for i in range(r.randint(0, 3000)):
            f.write(line(i) + '\n')
with open('a.log', 'rb') as s, gzip.open('a2.log.gz', 'wb') as d:
    d.write(s.read())
with tarfile.open('many.tar.gz', 'w:gz') as t:
    for m in range(25):
        data = ''.join(line(i) + '\n' for i in range(r.randint(0, 400))).encode()
        ti = tarfile.TarInfo('logs/m%02d.log' % m)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
os.makedirs('dir/sub', exist_ok=True)
for p in ['dir/one.log', 'dir/sub/two.log', 'dir/sub/three.log']:
    with open(p, 'w') as f:
        for i in range(r.randint(10, 2000)):
            f.write(line(i) + '\n')
open('empty.log', 'w').close()
with open('nonl.log', 'w') as f:
    f.write('level=error path=/x ms=3\nlast line ERROR without newline')
EOF
}

# same_out ARGS...: gpipe -j 1 ARGS and gpipe -j 2 and -j 5 ARGS (-j 3 under
# the sanitizer; in the file-wide directory) print the same bytes on stdout,
# the same lines on stderr and exit with the same status; prints what
# differs. -j 1's output stays in out1 and err1.
same_out() {
	local j st1 st js="2 5"
	# The sanitizer build is slow: one count of threads there.
	[ "${GPIPE_ASAN:-0}" != 1 ] || js=3
	(cd "$BATS_FILE_TMPDIR" && "$GPIPE" -j 1 "$@") > out1 2> err1 && st1=0 || st1=$?
	for j in $js; do
		(cd "$BATS_FILE_TMPDIR" && "$GPIPE" -j $j "$@") > out$j 2> err$j && st=0 || st=$?
		if [ "$st" -ne "$st1" ] || ! cmp -s out1 out$j || [ "$(sort err1)" != "$(sort err$j)" ]; then
			echo "gpipe -j $j $*: status $st (-j 1: $st1)"
			cmp out1 out$j | head -3
			diff err1 err$j | head -5
			return 1
		fi
	done
	[ -n "${WANT_OUTPUT:-1}" ] || return 0
	[ -s out1 ] || [ "$st1" -ne 0 ] || { echo "gpipe $*: no output"; return 1; }
}

ALL="big.log a.log b.log c.log d.log a2.log.gz e.log f.log many.tar.gz g.log dir h.log empty.log nonl.log"

@test "-j: every per-record stage over many inputs gives -j 1's bytes" {
	local bad=0 e
	while IFS= read -r e; do
		# shellcheck disable=SC2086
		same_out "$e" $ALL || bad=1
	done <<'EOF'
grep ERROR
grep -v -i error
grep -o -w "status=[0-9]+"
grep -b -n -F /health
grep -e login -e orders | upper
where $3 == "ERROR"
json | where status >= 500 | format "{path} {status} {ms}"
json | select path, ms
json | explode tags
json | set slow = ms > 500 | select path, slow
logfmt | where ms > 50 | select level, user
parse "{ts} {level} [{worker}] {method} {path} status={status} latency_ms={ms}" | where ms > 800
fields | set n = $2 + 1 | select $1, n
replace "[0-9]+" "#"
split =
trim | lower | grep status
format "{_file}:{_member}:{_line}: {$2}"
EOF
	[ "$bad" -eq 0 ]
}

@test "-j: output options (-H, -n, -o json/tsv/csv, -z, --color=always) give -j 1's bytes" {
	local bad=0
	same_out -H -n 'grep -e ERROR -e 503' $ALL || bad=1
	same_out -o json 'json | where status == 500' big.log a.log || bad=1
	same_out -o tsv 'logfmt | where ms > 90' big.log dir || bad=1
	same_out -o csv 'json | select path, status' many.tar.gz big.log || bad=1
	same_out --color=always -H 'grep -i "err|warn"' big.log b.log || bad=1
	same_out --color=always 'grep -o "[0-9]+ms" | upper' big.log || bad=1
	tr '\n' '\0' < "$BATS_FILE_TMPDIR/big.log" > "$BATS_FILE_TMPDIR/big.z"
	same_out -z 'grep -v ERROR' big.z || bad=1
	[ "$bad" -eq 0 ]
}

@test "-j: a chain whose later stages need every record in order (sort, head, tail, uniq, aggregates merged from the workers, grep -c/-m/-A) gives -j 1's bytes" {
	local bad=0 e
	while IFS= read -r e; do
		# shellcheck disable=SC2086
		same_out "$e" $ALL || bad=1
	done <<'EOF'
grep ERROR | head 7
grep -v DEBUG | tail 5
json | select path | sort | uniq -c
logfmt | count by path
json | where status >= 500 | count, avg ms, p99 ms by path
grep status | number | tail 3
grep -c ERROR
grep -l json
grep -m 2 -H ERROR
grep -A 1 -B 2 503
grep level | multiline "^level=error"
grep -o "ms=[0-9]+" | sort -r | head 3
count
count by $2
count by bucket($1, 1m)
grep ERROR | top 3 $2
json | count, first ms, last ms, distinct path, median ms, sum ms, stddev ms by level
json | histogram ms 5
json | count, first ms, last ms, distinct path, median ms, sum ms, stddev ms, p90 ms
count, distinct $2, first $3 by bucket($1, 1s) | tail 5
logfmt | count, avg ms by user | where count > 10 | sort -r count
EOF
	# An aggregate under -j runs in every worker on its pieces and the
	# states are merged; past a tiny --memory both sides spill.
	same_out --memory 64K 'logfmt | count, sum ms, p90 ms by user, path' $ALL || bad=1
	same_out --memory 64K 'count, distinct $4 by bucket($1, 1s)' $ALL || bad=1
	[ "$bad" -eq 0 ]
}

@test "-j: records across piece boundaries, over-long records and a last line without newline" {
	local bad=0
	same_out 'grep long | format "{_line} {_file}: {$NF}"' big.log || bad=1
	# _line after grep is the line (grep keeps numbers when a later stage
	# names _line; it once printed an empty field).
	[ "$(head -1 out1)" = "$(grep -n long "$BATS_FILE_TMPDIR/big.log" | head -1 | cut -d: -f1) big.log: long" ] || { head -1 out1; bad=1; }
	same_out -n 'grep -b ERROR' big.log nonl.log big.log || bad=1
	# Records past --max-record are skipped and reported, in their place.
	same_out -n --max-record 100K 'grep ERROR' big.log nonl.log || bad=1
	grep -q 'longer than --max-record' err1 || { echo "no over-long summary: $(cat err1)"; bad=1; }
	same_out 'grep -c "^"' big.log || bad=1
	[ "$(cat out1)" = "$(wc -l < "$BATS_FILE_TMPDIR/big.log")" ] || bad=1
	# sample picks with --seed from the same records in the same order.
	same_out --seed 7 'upper | sample 5' big.log a.log many.tar.gz || bad=1
	[ "$bad" -eq 0 ]
}

@test "-j: messages are -j 1's: a missing input, dropped-record summaries added up across pieces, --strict" {
	local bad=0
	same_out 'grep ERROR' a.log "$ABSENT" b.log || bad=1
	grep -q "absent.log" err1 || bad=1
	# big.log is cut into pieces: one summary for it, the counts added up.
	same_out 'json | where status >= 0 | select path' big.log a.log || bad=1
	[ "$(grep -c 'json: .* records of big.log are not JSON' err1)" -eq 1 ] || { cat err1; bad=1; }
	same_out 'logfmt | select ms' big.log || bad=1
	WANT_OUTPUT= same_out --strict 'json | select path' big.log || bad=1
	[ "$bad" -eq 0 ]
	(cd "$BATS_FILE_TMPDIR" && "$GPIPE" -j 2 --strict 'json | select path' big.log) > out 2> err || st=$?
	[ "${st:-0}" -eq 2 ]
	grep -q 'not JSON' err
}

@test "-j: exit status 1 when nothing matched, 0 when something did, the same as -j 1" {
	run gp -j 2 'grep NOSUCHTHING' "$BATS_FILE_TMPDIR/big.log"
	[ "$status" -eq 1 ] && [ -z "$output" ]
	run gp -j 2 'grep -c NOSUCHTHING' "$BATS_FILE_TMPDIR/big.log"
	[ "$status" -eq 1 ] && [ "$output" = 0 ]
	run gp -j 2 'grep -v -o x' "$BATS_FILE_TMPDIR/nonl.log"
	[ "$status" -eq 0 ]
}

@test "-j: runs are the same every time (10 runs of a chain with packed records)" {
	local i first
	first=$(gp -j 3 'json | where ms > 100 | select path, ms' "$BATS_FILE_TMPDIR/big.log" "$BATS_FILE_TMPDIR/dir" | md5sum)
	for i in 1 2 3 4 5 6 7 8 9; do
		[ "$(gp -j 3 'json | where ms > 100 | select path, ms' "$BATS_FILE_TMPDIR/big.log" "$BATS_FILE_TMPDIR/dir" | md5sum)" = "$first" ]
	done
}

@test "-j: head ends the run early: the workers stop, nothing leaks (valgrind)" {
	valgrind_setup
	vg 0 -j 2 'grep ERROR | head 2' "$BATS_FILE_TMPDIR/big.log" "$BATS_FILE_TMPDIR/big.log"
	[ "$(wc -l < vg.out)" -eq 2 ]
	vg 0 -j 2 'json | select path' "$BATS_FILE_TMPDIR/a.log" "$BATS_FILE_TMPDIR/many.tar.gz"
	vg 2 -j 2 --strict 'json | select path' "$BATS_FILE_TMPDIR/big.log"
}

@test "-j: a closed output pipe and SIGINT end every thread; the status is the signal's" {
	cat "$BATS_FILE_TMPDIR/big.log" "$BATS_FILE_TMPDIR/big.log" "$BATS_FILE_TMPDIR/big.log" > three.log
	# head closes the pipe after one line.
	run bash -c "'$GPIPE' -j 2 'upper' three.log three.log three.log | head -1"
	[ "$status" -eq 0 ] && [ "${#output}" -gt 0 ]
	# SIGINT while the workers run: once output has come out.
	for i in 1 2 3 4 5 6 7; do cat three.log; done > slow.log
	env --default-signal=INT "$GPIPE" -j 2 'replace "[0-9]" "#" | upper | lower' slow.log slow.log slow.log > out 2> err &
	local pid=$! st=0
	wait_until test -s out
	kill -INT $pid
	wait $pid || st=$?
	[ "$st" -eq 130 ] || { echo "status $st"; cat err; return 1; }
}

@test "-j: peak memory stays bounded on a large input (the pieces in flight have a budget)" {
	no_asan
	peakrss_tool
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do cat "$BATS_FILE_TMPDIR/big.log"; done > large.log
	"$PEAKRSS" rss "$GPIPE" -j 2 'json | where ms > 100 | select path' large.log > /dev/null 2>&1 || true
	echo "# -j 2 peak RSS $(cat rss) KiB over 60 MiB" >&3
	[ "$(cat rss)" -lt 40960 ]
	"$PEAKRSS" rss "$GPIPE" -j 4 'grep ERROR' large.log > /dev/null 2>&1 || true
	[ "$(cat rss)" -lt 40960 ]
}

@test "-j: --stats and --progress still work (they run on one thread); bad -j values are refused" {
	run --separate-stderr gp -j 2 --stats 'grep ERROR' "$BATS_FILE_TMPDIR/a.log"
	[ "$status" -eq 0 ] && [[ "$stderr" == *grep* ]]
	run --separate-stderr gp -j 0 'grep x' "$BATS_FILE_TMPDIR/a.log"
	[ "$status" -eq 2 ] && [[ "$stderr" == *"invalid --jobs '0'"* ]]
	run --separate-stderr gp --jobs=abc 'grep x' "$BATS_FILE_TMPDIR/a.log"
	[ "$status" -eq 2 ] && [[ "$stderr" == *"invalid --jobs 'abc'"* ]]
	run gp --jobs 1 'grep -c ERROR' "$BATS_FILE_TMPDIR/big.log"
	[ "$status" -eq 0 ]
}

@test "-j: --explain says how the chain is shared out, and why a chain stays on one thread" {
	cd "$BATS_FILE_TMPDIR"
	jobs_line() { "$GPIPE" --explain "$@" | grep '^jobs'; }
	[ "$(jobs_line -j 2 'json | where ms > 1 | count by bucket(time(ts), 1m)' a.log)" = "jobs     2 threads on 1 MiB pieces: json where, count (states merged); the rest in input order" ]
	[ "$(jobs_line -j 2 'grep -i "a|b" | sort' a.log)" = "jobs     2 threads on 1 MiB pieces: grep; the rest in input order" ]
	# Many groups (an IP, a path) are counted once, after the workers.
	[ "$(jobs_line -j 2 'logfmt | count by path' a.log)" = "jobs     2 threads on 1 MiB pieces: logfmt; the rest in input order" ]
	[[ "$(jobs_line -j 2 'count by $2' a.log)" == *"1 thread (no per-record stage"* ]]
	# A literal grep reads at memory speed: one thread unless -j is given.
	[[ "$(jobs_line 'grep ERROR' a.log)" == *"1 thread (light stages only"* ]]
	[[ "$(jobs_line -j 2 'grep ERROR' a.log)" == "jobs     2 threads"* ]]
	[[ "$(jobs_line -j 2 'grep ERROR' - < a.log)" == *"1 thread (standard input"* ]]
	[[ "$(jobs_line -j 1 'json' a.log)" == *"1 thread (-j 1)"* ]]
	[[ "$(jobs_line -j 2 --stats 'json' a.log)" == *"1 thread (--stats and --progress"* ]]
}
