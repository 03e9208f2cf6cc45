#!/usr/bin/env bats
# The aggregate stage: count/sum/avg/min/max/median/pNN/percentile/distinct/
# first/last/stddev by keys, top N KEY. Exact outputs on small inputs, every
# error with its caret, and differential checks against awk and python3 on
# generated data (python's seeded random, never awk's rand()).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	printf 'a 1 x\nb 2 y\na 3.5 z\nc x q\n' > t.txt
}

@test "a bare count still counts records" {
	run --separate-stderr "$GPIPE" count t.txt
	ok_out 4
	run --separate-stderr "$GPIPE" count /dev/null
	ok_out 0
}

@test "every aggregate in one stage, by a key, in first-seen order" {
	run --separate-stderr "$GPIPE" 'count, sum $2, avg $2, min $2, max $2, median $2, p99 $2, distinct $1, first $3, last $3, stddev $2 by $1' t.txt
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a\t2\t4.5\t2.25\t1\t3.5\t1\t3.5\t1\tx\tz\t1.7677669529663689\nb\t1\t2\t2\t2\t2\t2\t2\t1\ty\ty\t\nc\t1\t0\t\tx\tx\t\t\t1\tq\tq\t')" ]
	# c's $2 is no number: each numeric aggregate says so once
	[ "${#stderr_lines[@]}" -eq 5 ]
	[ "${stderr_lines[0]}" = 'gpipe: sum $2: 1 record of t.txt had no number (line 4)' ]
}

@test "field names: keys and aggregates as written, as NAME renames" {
	run --separate-stderr "$GPIPE" -o tsv 'count, sum $2, p95 $2, median $2, percentile($2, 99.5), count($2 > 1) by $1' t.txt
	[ "${lines[0]}" = "$(printf '$1\tcount\tsum_$2\tp95_$2\tmedian_$2\tp99.5_$2\tcount($2 > 1)')" ]
	run --separate-stderr "$GPIPE" -o tsv 'count as n, sum $2 as total by $1 as k' t.txt
	[ "${lines[0]}" = "$(printf 'k\tn\ttotal')" ]
	[ "${lines[1]}" = "$(printf 'a\t2\t4.5')" ]
	run --separate-stderr "$GPIPE" -o json 'sum $2 / 2 by $1' t.txt
	[ "${lines[0]}" = '{"$1":"a","sum_$2 / 2":2.25}' ]
}

@test "count(EXPR) and count where EXPR count where EXPR is true" {
	run --separate-stderr "$GPIPE" 'count($1 != "a") as big, count where $1 == "a", count' t.txt
	ok_out "$(printf '2\t2\t4')"
	run --separate-stderr "$GPIPE" 'count(nosuch > 1)' t.txt
	ok_out 0
}

@test "several keys; a missing key groups under the empty key" {
	printf 'a x\na y\na x\nb\n' > k.txt
	run --separate-stderr "$GPIPE" 'count by $1, $2' k.txt
	ok_out "$(printf 'a\tx\t2\na\ty\t1\nb\t\t1')"
	printf '{"k":"a"}\n{}\n{"k":null}\n' > k.jsonl
	run --separate-stderr "$GPIPE" 'json | count by k' k.jsonl
	ok_out "$(printf 'a\t1\n\t1\nnull\t1')"
}

@test "no input: one row with no by (count 0, sum 0, min empty), none with by" {
	run --separate-stderr "$GPIPE" 'count, sum x, min x, distinct x' /dev/null
	ok_out "$(printf '0\t0\t\t0')"
	run --separate-stderr "$GPIPE" 'count by x' /dev/null
	out_is 1
}

@test "keys with tabs, NUL and invalid UTF-8: -o json shows them" {
	printf '{"k":"a\\tb","v":1}\n{"k":"x\\u0000y","v":2}\n{"k":"a\\tb","v":3}\n' > j.jsonl
	run --separate-stderr "$GPIPE" -o json 'json | count, sum v by k' j.jsonl
	ok_out '{"k":"a\tb","count":2,"sum_v":4}' '{"k":"x\u0000y","count":1,"sum_v":2}'
	printf 'k\377z 1\n' > bad.txt
	run --separate-stderr "$GPIPE" -o json 'count by $1' bad.txt
	ok_out '{"$1":"k\ufffdz","count":1}'
}

@test "min/max over text, first/last keep text, JSON keys compact" {
	printf '{"p":"/b","o":{"a": 5}}\n{"p":"/a","o":{"a":5}}\n' > p.jsonl
	run --separate-stderr "$GPIPE" 'json | min p, max p, first p, last p' p.jsonl
	ok_out "$(printf '/a\t/b\t/b\t/a')"
	run --separate-stderr "$GPIPE" 'json | count by o' p.jsonl
	ok_out "$(printf '{"a":5}\t2')"
}

@test "bad values: summarised once per input, an error with --strict" {
	printf 'v=1\nv=x\nv=2\nv=y\n' > a.log
	printf 'v=3\n' > b.log
	run --separate-stderr "$GPIPE" 'logfmt | sum v' a.log b.log
	[ "$status" -eq 0 ] && [ "$output" = 6 ]
	[ "$stderr" = 'gpipe: sum v: 2 records of a.log had no number (first at line 2)' ]
	run --separate-stderr "$GPIPE" --strict 'logfmt | sum v' a.log b.log
	[ "$status" -eq 2 ] && [ "$output" = 6 ]
}

@test "later stages use the result fields" {
	printf 'GET /a\nGET /b\nPOST /a\nGET /a\n' > r.log
	run --separate-stderr "$GPIPE" 'count by $2 as path | where count > 1 | format "{path} {count}"' r.log
	ok_out '/a 3'
	run --separate-stderr "$GPIPE" 'count by $1 | count' r.log
	ok_out 2
	run --separate-stderr "$GPIPE" 'count by $2 as path | select path' r.log
	ok_out /a /b
}

@test "top N KEY: largest counts first, ties in key order" {
	printf 'c\nb\na\nb\nc\nd\n' > w.txt
	run --separate-stderr "$GPIPE" 'top 2 $1' w.txt
	ok_out "$(printf 'b\t2\nc\t2')"
	run --separate-stderr "$GPIPE" -o tsv 'top 10 $1' w.txt
	ok_out "$(printf '$1\tcount\nb\t2\nc\t2\na\t1\nd\t1')"
	run --separate-stderr "$GPIPE" 'top 0 $1' w.txt
	out_is 1
}

@test "errors: exact messages with carets" {
	diag 'count, distinct' "gpipe: count: expected a value after 'distinct'" '  count, distinct' '         ^^^^^^^^'
	diag 'count, parse by foo' "gpipe: count: 'parse' is a stage, not an aggregate (stages are separated by '|')" \
		'  count, parse by foo' '         ^^^^^'
	diag 'count, avgg c by foo' "gpipe: count: unknown aggregate 'avgg' (did you mean 'avg'?)" \
		'  count, avgg c by foo' '         ^^^^'
	diag 'p101 x' "gpipe: percentile: 'p101': a percentile is above 0 and at most 100 (p50, p99, p99.9)" '  p101 x' '  ^^^^'
	diag 'percentile(x)' "gpipe: percentile: percentile(F, Q) needs its Q: percentile(x, 99)" '  percentile(x)' '              ^'
	diag 'count by' "gpipe: count: expected a value after 'by'" '  count by' '        ^^'
	diag 'sum x y' "gpipe: sum: expected an operator, found 'y'" '  sum x y' '        ^'
	diag 'top x y' "gpipe: top: N (top N KEY) must be a number, found 'x'" '  top x y' '      ^'
	diag 'count x' "gpipe: count: unexpected argument 'x'" '  count x' '        ^'
}

@test "help: every aggregate has its page; pNN and call forms resolve" {
	local s
	for s in count sum avg min max median percentile distinct first last stddev top p99 p99.9; do
		run --separate-stderr "$GPIPE" help "$s"
		[ "$status" -eq 0 ] || { echo "help $s: $stderr"; return 1; }
	done
	run --separate-stderr "$GPIPE" help p95
	[[ ${lines[0]} == "percentile (F, Q) | pNN F"* ]]
	run --separate-stderr "$GPIPE" 'sum($2), p50($2)' t.txt
	[ "$output" = "$(printf '6.5\t2')" ]
}

@test "count by \$2 and \$1 over generated data equal awk's" {
	python3 -c '
import random
random.seed(11)
for i in range(20000):
    print("%s %s %d" % (random.choice(["a","b","","c d"]).strip() or "-", "k%d" % random.randrange(500), random.randrange(-50, 50)))
' > gen.txt
	"$GPIPE" 'count by $2' gen.txt | tr '\t' ' ' | sort > got
	awk '{c[$2]++} END{for (k in c) print k, c[k]}' gen.txt | sort > want
	cmp got want
	"$GPIPE" 'sum $3 by $1' gen.txt | tr '\t' ' ' | sort > got
	awk '{s[$1]+=$3} END{for (k in s) print k, s[k]}' gen.txt | sort > want
	cmp got want
	# first-seen order, as awk sees the keys first
	"$GPIPE" 'count by $2' gen.txt | cut -f1 > got
	awk '!seen[$2]++ {print $2}' gen.txt > want
	cmp got want
}

@test "sums of decimals are exact: the decimal sum of the values as written, rounded once (fractions.Fraction)" {
	python3 -c '
import random
random.seed(5)
for i in range(5000):
    print("g%d %d.%02d" % (random.randrange(7), random.randrange(-1000, 1000), random.randrange(100)))
' > dec.txt
	python3 -c '
from fractions import Fraction
import sys
s = {}
order = []
for line in open("dec.txt"):
    k, v = line.split()
    if k not in s:
        order.append(k); s[k] = Fraction(0)
    s[k] += Fraction(v)  # the exact sum of the values as written (not of their doubles)
for k in order:
    f = s[k]
    print("%s\t%s" % (k, repr(float(f)) if f.denominator != 1 else f.numerator))
' > want
	"$GPIPE" 'sum $2 by $1' dec.txt > got
	python3 -c '
import sys
g = [l.split("\t") for l in open("got").read().split("\n") if l]
w = [l.split("\t") for l in open("want").read().split("\n") if l]
assert len(g) == len(w), (len(g), len(w))
for a, b in zip(g, w):
    assert a == b, (a, b)
'
}

@test "percentiles are nearest rank (python)" {
	python3 -c '
import random
random.seed(7)
for i in range(3000):
    print("g%d %d" % (random.randrange(5), random.randrange(100000)))
' > pct.txt
	python3 -c '
import math
v = {}
order = []
for line in open("pct.txt"):
    k, x = line.split()
    if k not in v:
        order.append(k); v[k] = []
    v[k].append(int(x))
for k in order:
    xs = sorted(v[k])
    r = lambda q: xs[max(1, math.ceil(q / 100 * len(xs))) - 1]
    print("%s\t%d\t%d\t%d\t%d" % (k, r(50), r(90), r(99), r(99.9)))
' > want
	"$GPIPE" 'median $2, p90 $2, p99 $2, percentile($2, 99.9) by $1' pct.txt > got
	cmp got want
}

@test "count by _member over a tar.gz and by _file over several .gz equal wc -l" {
	need tar gzip
	mkdir m
	printf 'a\nb\n' > m/one.log
	printf 'c\nd\ne\n' > m/two.log
	printf 'f\n' > m/three.log
	tar -czf all.tar.gz -C m one.log two.log three.log
	run --separate-stderr "$GPIPE" 'count by _member' all.tar.gz
	local want="" f
	for f in one.log two.log three.log; do
		want+="$f	$(tar -xOzf all.tar.gz "$f" | wc -l)"$'\n'
	done
	ok_out "${want%$'\n'}"
	for f in one two three; do gzip -c "m/$f.log" > "$f.gz"; done
	run --separate-stderr "$GPIPE" 'count by _file' one.gz two.gz three.gz
	want=""
	for f in one two three; do want+="$f.gz	$(zcat "$f.gz" | wc -l)"$'\n'; done
	ok_out "${want%$'\n'}"
}

@test "plain counts spill past a tiny --memory and stay exact" {
	python3 -c '
import random
random.seed(3)
for i in range(60000):
    print("key%d %d" % (random.randrange(30000), random.randrange(100)))
' > many.txt
	"$GPIPE" 'count, count($2 > 50) by $1' many.txt > mem
	"$GPIPE" --memory 64K 'count, count($2 > 50) by $1' many.txt > spill
	cmp mem spill
	"$GPIPE" 'top 5 $1' many.txt > mem
	"$GPIPE" --memory 64K 'top 5 $1' many.txt > spill
	cmp mem spill
}

@test "head closes an aggregate that holds text and heap states early" {
	printf 'a 1\nb 2\nc 3\nd 4\n' > h.txt
	run --separate-stderr "$GPIPE" 'first $2, median $2, distinct $2 by $1 | head 1' h.txt
	ok_out "$(printf 'a\t1\t1\t1')"
}

@test "an approximate answer is said once on stderr (distinct past its exact set)" {
	seq 1 10000 > s.txt
	run --separate-stderr "$GPIPE" 'count, distinct $1' s.txt
	[ "$status" -eq 0 ]
	[ "$stderr" = 'gpipe: distinct $1: approximate for 1 of 1 groups (0.81% standard error)' ]
	local d=${output#*$'\t'}
	[ "$d" -gt 9800 ] && [ "$d" -lt 10200 ]
}
