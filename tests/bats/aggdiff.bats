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
