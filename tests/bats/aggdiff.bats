#!/usr/bin/env bats
# Aggregates against answers computed without gpipe: python3's exact
# fractions (tests/tools/aggref.py), awk, sort | uniq -c, datamash, Miller,
# zcat and tar, on seeded random data (keys empty, with blanks, invalid
# UTF-8, 3000 bytes long; values negative, decimal, huge, with exponents,
# not numbers, missing). Issue 11 section 6.

bats_require_minimum_version 1.5.0
load helpers

REF="$BATS_TEST_DIRNAME/../tools/aggref.py"
ALL='count, sum v as sum, avg v as avg, min v as min, max v as max, first v as first, last v as last, stddev v as stddev, p50 v as p50, p90 v as p90, p99 v as p99, distinct v as distinct by k as key'

@test "count, sum, avg, min, max, first, last, stddev, p50/p90/p99, distinct by key equal exact python (3 seeds)" {
	need python3
	for seed in 1 2 3; do
		python3 "$REF" gen "$seed" 20000 60 >data
		python3 "$REF" stats data >want
		run --separate-stderr "$GPIPE" -o json "fields -d '\t' k v | $ALL" data
		[ "$status" -eq 0 ] || { echo "seed $seed: exit $status: $stderr"; return 1; }
		printf '%s\n' "$output" >got
		python3 "$REF" check want got || { echo "seed $seed"; return 1; }
	done
}

@test "the same answers whatever the input is split into: files, gzip members, a tar.gz" {
	need python3 gzip tar
	python3 "$REF" gen 4 9000 40 >data
	"$GPIPE" -o json "fields -d '\t' k v | $ALL" data >one
	split -n l/3 -d data part.
	"$GPIPE" -o json "fields -d '\t' k v | $ALL" part.00 part.01 part.02 >files
	cmp one files
	{ gzip -c part.00; gzip -c part.01; gzip -c part.02; } >members.gz
	"$GPIPE" -o json "fields -d '\t' k v | $ALL" members.gz >gz
	cmp one gz
	tar -czf parts.tgz part.00 part.01 part.02
	"$GPIPE" -o json "fields -d '\t' k v | $ALL" parts.tgz >tgz
	cmp one tgz
}

@test "bad values are left out, counted and summarised once per input; --strict makes them an error" {
	need python3
	python3 "$REF" gen 5 3000 10 >data
	bad=$(python3 -c '
import json, sys
print(sum(json.loads(l)["bad"] for l in open(sys.argv[1])))' <(python3 "$REF" stats data))
	[ "$bad" -gt 0 ]
	run --separate-stderr "$GPIPE" "fields -d '\t' k v | sum v" data
	[ "$status" -eq 0 ]
	[[ $stderr == *"sum v: $bad records of data had no number"* ]] || { echo "stderr: $stderr (want $bad)"; return 1; }
	[ "$(grep -c 'had no number' <<<"$stderr")" -eq 1 ]
	run --separate-stderr "$GPIPE" --strict "fields -d '\t' k v | sum v" data
	[ "$status" -eq 2 ]
	[ -n "$output" ]
}

@test "count by \$1 equals cut | sort | uniq -c, and awk's count, on keys with any bytes" {
	need python3
	python3 - >data <<'EOF'
import random, sys
r = random.Random(11)
keys = [bytes(r.choice(b'ab\xff\xc3\xa9.-_:/0') for _ in range(r.randint(1, 6))) for _ in range(300)]
out = sys.stdout.buffer
for i in range(30000):
    out.write(r.choice(keys) + b' ' + str(i).encode() + b'\n')
EOF
	"$GPIPE" 'count by $1' data | sort >got
	cut -d' ' -f1 data | sort | uniq -c | awk '{ print $2 "\t" $1 }' | sort >want
	cmp got want
	awk '{ c[$1]++ } END { for (k in c) print k "\t" c[k] }' data | sort >want.awk
	cmp got want.awk
}

@test "groups come out in first-seen order" {
	printf '%s\n' b a c a b d >data
	run "$GPIPE" 'count by $1' data
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'b\t2\na\t2\nc\t1\nd\t1')" ]
}

@test "sum, mean, min, max, count by key equal datamash" {
	need python3 datamash
	python3 - >data <<'EOF'
import random, sys
r = random.Random(12)
for i in range(20000):
    print('k%d\t%d' % (r.randint(0, 99), r.randint(-100000, 100000)))
EOF
	"$GPIPE" -o tsv "fields -d '\t' k v | sum v, min v, max v, count by k" data | tail -n +2 | sort >got
	datamash -s -g 1 sum 2 min 2 max 2 count 2 <data | sort >want
	cmp got want
}

@test "count, sum, min, max by key equal Miller" {
	need python3 mlr
	python3 - >data <<'EOF'
import random, sys
r = random.Random(13)
print('k\tv')
for i in range(20000):
    print('k%d\t%d' % (r.randint(0, 99), r.randint(-100000, 100000)))
EOF
	"$GPIPE" -o tsv "tsv | count, sum v as v_sum, min v as v_min, max v as v_max by k" data >got
	mlr --itsv --otsv stats1 -a count,sum,min,max -f v -g k then reorder -f k,v_count data |
		sed '1s/v_count/count/' >want
	cmp got want
}

@test "top N equals a count sorted by count descending then key" {
	need python3
	python3 "$REF" gen 6 20000 80 | grep -av $'^\t' | grep -a -v '^-' >data
	for n in 1 5 17 80 200; do
		"$GPIPE" "fields -d '\t' k v | top $n k" data >got
		python3 "$REF" top "$n" data >want
		cmp got want || { echo "top $n"; return 1; }
	done
}

@test "count by _member over a tar.gz equals per-member line counts" {
	need tar gzip python3
	mkdir m
	for i in 1 2 3 4; do python3 -c "import sys; sys.stdout.write(''.join('line %d\n' % j for j in range($i * 1000 + 7)))" >"m/app-$i.log"; done
	tar -C m -czf logs.tgz app-1.log app-2.log app-3.log app-4.log
	"$GPIPE" 'count by _member' logs.tgz >got
	for i in 1 2 3 4; do printf 'app-%d.log\t%d\n' "$i" "$(tar -xzOf logs.tgz "app-$i.log" | wc -l)"; done >want
	cmp got want
}

@test "count by _file over many .gz files equals zcat | wc -l for each" {
	need gzip python3
	for i in $(seq 1 12); do python3 -c "import sys; sys.stdout.write(''.join('x %d\n' % j for j in range($i * 311)))" | gzip -c >"f$i.log.gz"; done
	files=(f*.log.gz)
	"$GPIPE" 'count by _file' "${files[@]}" >got
	for f in "${files[@]}"; do printf '%s\t%d\n' "$f" "$(zcat "$f" | wc -l)"; done >want
	cmp got want
}

# many_groups N SEED: N records over about N/2 distinct keys, with decimals
many_groups() {
	python3 - "$1" "$2" <<'PY'
import random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
r = random.Random(seed)
out = sys.stdout
for i in range(n):
    out.write('user-%d %d.%02d\n' % (r.randrange(n // 2), r.randrange(-500, 5000), r.randrange(100)))
PY
}

@test "past --memory groups spill and stay exact; peak RSS stays near the budget while in memory grows; --stats says so" {
	no_asan
	need python3
	peakrss_tool
	many_groups 400000 21 >in
	Q='count, sum $2, avg $2, min $2, max $2, first $2, last $2, stddev $2 by $1'
	"$PEAKRSS" mem.rss "$GPIPE" "$Q" in >mem.out
	"$PEAKRSS" spill.rss "$GPIPE" --stats --memory 4M "$Q" in >spill.out 2>stats
	cmp mem.out spill.out
	local m s
	m=$(cat mem.rss) s=$(cat spill.rss)
	echo "# peak RSS: $m KiB in memory, $s KiB with --memory 4M" >&3
	[ "$s" -lt $((4096 + 24 * 1024)) ] || { echo "spilled run used $s KiB"; return 1; }
	[ "$s" -lt "$m" ]
	grep -q "count: [0-9]* groups, spilled [0-9]* times to" stats || { cat stats; return 1; }
}

@test "SIGINT or SIGTERM while groups spill: exits by the signal, nothing left in TMPDIR" {
	need python3
	many_groups 60000 22 >in
	local sig
	for sig in INT TERM; do
		killed_mid_spill $sig --memory 64K 'sum $2 by $1' in
	done
}

@test "a TMPDIR that cannot take the spill: the error names it, exit 2; without a spill it is never needed" {
	need python3
	many_groups 60000 23 >in
	run --separate-stderr env TMPDIR="$PWD/none" "$GPIPE" --memory 64K 'count by $1' in
	[ "$status" -eq 2 ]
	[ "$stderr" = "gpipe: count: cannot write a temporary file in $PWD/none: No such file or directory" ]
	run env TMPDIR="$PWD/none" "$GPIPE" 'count by $1' in
	[ "$status" -eq 0 ]
}

@test "a full file system under TMPDIR while groups spill: No space left on device, exit 2, nothing left" {
	need unshare python3
	unshare -rm true 2>/dev/null || skip "no user and mount namespaces here"
	many_groups 200000 24 >in
	mkdir small
	run --separate-stderr unshare -rm sh -c 'mount -t tmpfs -o size=256k tmpfs small &&
		TMPDIR="$PWD/small" "$1" --memory 64K "sum \$2 by \$1" in; st=$?; ls -A small; exit $st' _ "$GPIPE"
	[ "$status" -eq 2 ]
	[ "$stderr" = "gpipe: sum: cannot write a temporary file in $PWD/small: No space left on device" ]
}

@test "bucket keys: counts per 5 minutes equal python's, in time order, RFC 3339; bad stamps summarised" {
	need python3
	python3 - >in <<'PY'
import random, datetime
r = random.Random(31)
t = datetime.datetime(2024, 6, 1, 9, 0, 0, tzinfo=datetime.timezone.utc)
for i in range(5000):
    t += datetime.timedelta(milliseconds=r.randrange(0, 900))
    print('%s INFO x=%d' % (t.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z', i))
print('garbage INFO x=0')
PY
	run --separate-stderr "$GPIPE" 'count by bucket($1, 5m)' in
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >got
	python3 - in >want <<'PY'
import sys, datetime, collections
c = collections.OrderedDict()
for line in open(sys.argv[1]):
    ts = line.split()[0]
    try:
        t = datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ')
    except ValueError:
        k = ''
    else:
        k = t.replace(minute=t.minute - t.minute % 5, second=0, microsecond=0).strftime('%Y-%m-%dT%H:%M:%SZ')
    c[k] = c.get(k, 0) + 1
for k, v in c.items():
    print('%s\t%d' % (k, v))
PY
	cmp got want
	[[ $stderr == *"1 record of in had a key that could not be computed"* ]] || { echo "$stderr"; return 1; }
}
