#!/usr/bin/env bats
# Result tables: records of table layout (aggregates, histogram) line up
# under a header on a terminal (a pseudo-terminal made by python3's pty
# module) and print as TSV rows without a header on a pipe; histogram's
# counts against python3 on seeded data, its spill to a temporary file,
# its bad values.

bats_require_minimum_version 1.5.0
load helpers

# on_tty CMD...: runs CMD with stdout on an 80x24 pseudo-terminal (stdin
# /dev/null); its output, with the terminal's CR LF made LF, in ./tty.out,
# its stderr in ./tty.err; returns its status.
on_tty() {
	python3 - "$@" <<'EOF'
import fcntl, os, pty, struct, subprocess, sys, termios
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
with open('tty.err', 'wb') as err:
    p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=s, stderr=err)
os.close(s)
out = b''
while True:
    try:
        d = os.read(m, 65536)
    except OSError:  # EIO: the other side is closed
        break
    if not d:
        break
    out += d
with open('tty.out', 'wb') as f:
    f.write(out.replace(b'\r\n', b'\n'))
sys.exit(p.wait())
EOF
}

# bar N: N full blocks (U+2588).
bar() {
	local i s=
	for ((i = 0; i < $1; i++)); do s+=$'\xe2\x96\x88'; done
	printf '%s' "$s"
}

# numbers FILE SEED N: N seeded numbers, one a line: integers, decimals,
# negatives, zeros, large and tiny values, and every 50th line not a number.
numbers() {
	python3 - "$1" "$2" "$3" <<'EOF'
import random, sys
path, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
with open(path, 'w') as f:
    for i in range(n):
        k = r.randrange(8)
        if i % 50 == 49:
            v = r.choice(['n/a', '-', 'abc'])
        elif k == 0:
            v = str(r.randint(-1000, 1000))
        elif k == 1:
            v = repr(r.uniform(-5, 5))
        elif k == 2:
            v = repr(r.expovariate(0.001))
        elif k == 3:
            v = '0'
        elif k == 4:
            v = repr(r.uniform(0, 1e-6))
        elif k == 5:
            v = str(r.randint(0, 10**12))
        else:
            v = repr(round(r.gauss(250, 80), 3))
        f.write(v + ' x\n')
EOF
}

# reference FILE BUCKETS|log: the rows histogram $1 should print for FILE,
# computed by python3 from the definition (bisect over the edges; decades
# from the exact decimal exponent), numbers written as gpipe writes them.
reference() {
	python3 - "$1" "$2" <<'EOF'
import bisect, decimal, sys
vals = []
for line in open(sys.argv[1]):
    w = line.split()
    try:
        x = float(w[0])
    except (ValueError, IndexError):
        continue
    vals.append(x)
def fmt(d):
    if d == int(d) and abs(d) < 2**53:
        return str(int(d))
    for p in (15, 16, 17):
        s = '%.*g' % (p, d)
        if float(s) == d:
            return s
rows = []
if sys.argv[2] == 'log':
    neg = [x for x in vals if x < 0]
    if neg:
        rows.append((min(neg), 0, len(neg)))
    if 0 in vals:
        rows.append((0, 0, vals.count(0)))
    dec = {}
    for x in vals:
        if x > 0:
            k = decimal.Decimal(x).adjusted()
            if x >= float('1e%d' % (k + 1)):
                k += 1
            dec[k] = dec.get(k, 0) + 1
    if dec:
        for k in range(min(dec), max(dec) + 1):
            rows.append((float('1e%d' % k), float('1e%d' % (k + 1)), dec.get(k, 0)))
elif vals:
    b, lo, hi = int(sys.argv[2]), min(vals), max(vals)
    if lo == hi:
        rows.append((lo, hi, len(vals)))
    else:
        w = (hi - lo) / b
        edges = [lo + i * w for i in range(b)] + [hi]
        counts = [0] * b
        for x in vals:
            counts[min(bisect.bisect_right(edges, x) - 1, b - 1)] += 1
        rows = [(edges[i], edges[i + 1], counts[i]) for i in range(b)]
for a, z, c in rows:
    print('%s\t%s\t%d' % (fmt(a), fmt(z), c))
EOF
}

# --- histogram on a pipe ----------------------------------------------------------

@test "histogram: equal-width rows (from, to, count) equal python3's on seeded data" {
	cases_begin
	local seed b
	for seed in 1 2 3; do
		numbers in.txt "$seed" 3000
		for b in 1 7 10 33; do
			NCASES=$((NCASES + 1))
			reference in.txt "$b" > want
			"$GPIPE" "histogram \$1 $b" in.txt > got 2> /dev/null || case_fail "seed $seed, $b buckets: status $?"
			case_same "seed $seed, histogram \$1 $b" got want
		done
	done
	"$GPIPE" 'histogram $1' in.txt > got 2> /dev/null
	reference in.txt 10 > want
	case_same "default: 10 buckets" got want
	report_fails
}

@test "histogram log: decades, a row for zero and one for negatives, equal python3's" {
	cases_begin
	local seed
	for seed in 4 5 6; do
		numbers in.txt "$seed" 3000
		reference in.txt log > want
		"$GPIPE" 'histogram $1 log' in.txt > got 2> /dev/null
		case_same "seed $seed, histogram \$1 log" got want
	done
	printf '5\n50\n5000\n' > gaps.txt
	run --separate-stderr "$GPIPE" 'histogram $1 log' gaps.txt
	out_is 0 $'1\t10\t1' $'10\t100\t1' $'100\t1000\t0' $'1000\t10000\t1'
	report_fails
}

@test "histogram: one value for all, no values at all, an expression for F" {
	printf '7\n7\n7\n' > same.txt
	run --separate-stderr "$GPIPE" 'histogram $1 5' same.txt
	out_is 0 $'7\t7\t3'
	: > empty.txt
	run --separate-stderr "$GPIPE" 'histogram $1' empty.txt
	out_is 1
	printf '{"ms":1500}\n{"ms":500}\n{"ms":2500}\n' > t.jsonl
	run --separate-stderr "$GPIPE" 'json | histogram ms / 1000 2' t.jsonl
	out_is 0 $'0.5\t1.5\t1' $'1.5\t2.5\t2'
	printf 't=250ms\nt=1s\nt=2s\n' > units.txt
	run --separate-stderr "$GPIPE" 'logfmt | histogram t 1' units.txt
	out_is 0 $'0.25\t2\t3'
}

@test "histogram --memory 64K: the values spill to a temporary file, same rows, nothing left behind" {
	python3 -c '
import random
r = random.Random(9)
for i in range(100000): print(repr(r.uniform(-1e6, 1e9)))' > big.txt
	mkdir tmp
	"$GPIPE" 'histogram $1 13' big.txt > mem.out
	TMPDIR=$PWD/tmp "$GPIPE" --memory 64K 'histogram $1 13' big.txt > spill.out
	cmp mem.out spill.out
	[ "$(wc -l < spill.out)" -eq 13 ]
	reference big.txt 13 | cmp - spill.out
	[ -z "$(ls -A tmp)" ]
	# The spill is real: without a temporary directory it fails, and only then.
	run --separate-stderr env TMPDIR="$PWD/absent" "$GPIPE" --memory 64K 'histogram $1 13' big.txt
	fails_with "gpipe: histogram \$1: cannot make a temporary file in $PWD/absent: No such file or directory"
	run --separate-stderr env TMPDIR="$PWD/absent" "$GPIPE" 'histogram $1 13' big.txt
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
}

@test "histogram --memory 1M: 2 million values in bounded memory, the rows of an unbounded run" {
	no_asan
	peakrss_tool
	seq 1 2000000 > m.txt
	"$PEAKRSS" big.rss "$GPIPE" 'histogram $1' m.txt > big.out
	"$PEAKRSS" small.rss "$GPIPE" --memory 1M 'histogram $1' m.txt > small.out
	cmp big.out small.out
	echo "# peak RSS: $(cat big.rss) KiB in memory, $(cat small.rss) KiB with --memory 1M" >&3
	# 16 MB of values kept in memory, 1 MiB with the budget.
	[ "$(cat small.rss)" -lt $(($(cat big.rss) - 8192)) ]
}

@test "histogram: missing and non-numbers are counted and summarised once per input; --strict fails" {
	printf '1\nn/a\n3\n\n5\n' > a.log
	printf 'x\n2\n' > b.log
	run --separate-stderr "$GPIPE" 'histogram $1 2' a.log b.log
	[ "$status" -eq 0 ]
	[ "$output" = $'1\t3\t2\n3\t5\t2' ]
	[ "$stderr" = "gpipe: histogram \$1: 2 records of a.log had no number (first at line 2: 'n/a' is not a number)
gpipe: histogram \$1: 1 record of b.log had no number (line 1: 'x' is not a number)" ]
	run --separate-stderr "$GPIPE" --strict 'histogram $1 2' a.log b.log
	[ "$status" -eq 2 ]
	[ "$output" = $'1\t3\t2\n3\t5\t2' ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	printf '{"v":null}\n{"v":[1]}\n{"v":"12"}\n{}\n' > j.jsonl
	run --separate-stderr "$GPIPE" 'json | histogram v log' j.jsonl
	[ "$output" = $'10\t100\t1' ]
	[ "$stderr" = "gpipe: histogram v: 3 records of j.jsonl had no number (first at line 1: null is not a number)" ]
}

@test "histogram: argument errors point at the argument" {
	diag 'histogram' "gpipe: histogram: expected a field or an expression to count" '  histogram' '  ^^^^^^^^^'
	diag 'histogram x 0' "gpipe: histogram: BUCKETS must be a whole number from 1 to 100000, or log, not '0'" \
		'  histogram x 0' '              ^'
	diag 'histogram x 100001' \
		"gpipe: histogram: BUCKETS must be a whole number from 1 to 100000, or log, not '100001'" \
		'  histogram x 100001' '              ^^^^^^'
	diag 'histogram x 5 6' "gpipe: histogram: unexpected '6' after BUCKETS" '  histogram x 5 6' '                ^'
	diag 'histogram x log y' "gpipe: histogram: unexpected 'y' after log" '  histogram x log y' '                  ^'
}

@test "histogram: -o json, tsv and csv print the rows as for any record, on a terminal too" {
	seq 0 100 > s.txt
	run --separate-stderr "$GPIPE" -o json 'histogram $1 2' s.txt
	out_is 0 '{"from":0,"to":50,"count":50}' '{"from":50,"to":100,"count":51}'
	run --separate-stderr "$GPIPE" -o csv 'histogram $1 2' s.txt
	out_is 0 'from,to,count' '0,50,50' '50,100,51'
	local f
	for f in json tsv csv; do
		"$GPIPE" -o "$f" 'histogram $1 2' s.txt > pipe.out
		on_tty "$GPIPE" -o "$f" --color=never 'histogram $1 2' s.txt
		cmp pipe.out tty.out
	done
}

# --- tables on a terminal -----------------------------------------------------------

@test "table on a terminal: histogram rows line up under a header, bars scaled to the largest count" {
	seq 0 100 > s.txt
	on_tty env NO_COLOR=1 "$GPIPE" 'histogram $1 4' s.txt
	# 80 columns: 18 for the table, one spare, at most 50 for the bars;
	# 25 of 26 is 48 blocks and an eighth.
	printf '%s\n' 'from   to  count' \
		"   0   25     25  $(bar 48)▏" "  25   50     25  $(bar 48)▏" \
		"  50   75     25  $(bar 48)▏" "  75  100     26  $(bar 50)" > want
	cmp tty.out want || { cat tty.out; false; }
	[ ! -s tty.err ]
	# The same rows on a pipe: TSV, no header, no bars.
	run --separate-stderr "$GPIPE" 'histogram $1 4' s.txt
	out_is 0 $'0\t25\t25' $'25\t50\t25' $'50\t75\t25' $'75\t100\t26'
}

@test "table on a terminal: a bold header with colour; none with NO_COLOR, --color=never or TERM=dumb" {
	seq 1 4 > s.txt
	on_tty env -u NO_COLOR TERM=xterm "$GPIPE" 'histogram $1 1' s.txt
	[ "$(head -n 1 tty.out)" = $'\e[1mfrom  to  count\e[0m' ]
	on_tty env -u NO_COLOR TERM=xterm "$GPIPE" --color=always 'histogram $1 1' s.txt
	[ "$(head -n 1 tty.out)" = $'\e[1mfrom  to  count\e[0m' ]
	local c
	for c in 'env NO_COLOR=1 TERM=xterm' 'env -u NO_COLOR TERM=dumb' 'env -u NO_COLOR TERM=xterm --never'; do
		if [[ $c == *--never ]]; then
			on_tty ${c% --never} "$GPIPE" --color=never 'histogram $1 1' s.txt
		else
			on_tty $c "$GPIPE" 'histogram $1 1' s.txt
		fi
		[ "$(head -n 1 tty.out)" = 'from  to  count' ] || { echo "$c"; cat -v tty.out; false; }
		! grep -q $'\e' tty.out
	done
	# --color=always on a pipe: still TSV rows, no header and no escapes.
	run --separate-stderr "$GPIPE" --color=always 'histogram $1 1' s.txt
	out_is 0 $'1\t4\t4'
}

@test "table on a terminal: -H and -n leave result rows alone (they have no origin)" {
	seq 0 100 > s.txt
	on_tty env NO_COLOR=1 "$GPIPE" 'histogram $1 4' s.txt
	mv tty.out plain.out
	on_tty env NO_COLOR=1 "$GPIPE" -H -n 'histogram $1 4' s.txt
	cmp plain.out tty.out
}

@test "table on a terminal: past 1000 rows the widths so far are kept and later rows follow" {
	seq 0 1999 > s.txt
	on_tty env NO_COLOR=1 "$GPIPE" 'histogram $1 1500' s.txt
	[ "$(wc -l < tty.out)" -eq 1501 ]
	[ "$(head -n 1 tty.out)" = '              from                  to  count' ]
	"$GPIPE" 'histogram $1 1500' s.txt > pipe.out
	# Every row holds the same three numbers as on the pipe, and the counts
	# add up to the input's.
	tail -n +2 tty.out | sed 's/  *█*[▏▎▍▌▋▊▉]*$//' | awk '{ print $1 "\t" $2 "\t" $3 }' | cmp - pipe.out
	[ "$(awk '{ s += $3 } END { print s }' pipe.out)" -eq 2000 ]
}

@test "table on a terminal: records that are not table rows print as they are" {
	printf 'a\tb\n1\t2\n' > t.tsv
	on_tty env NO_COLOR=1 "$GPIPE" 'tsv | set c = a + b' t.tsv
	"$GPIPE" 'tsv | set c = a + b' t.tsv > pipe.out
	cmp pipe.out tty.out
	run on_tty env NO_COLOR=1 "$GPIPE" 'grep x' t.tsv
	[ "$status" -eq 1 ] && [ ! -s tty.out ]
	printf 'one\ntwo\n' > l.txt
	on_tty env NO_COLOR=1 "$GPIPE" -n 'upper' l.txt
	[ "$(cat tty.out)" = $'1:ONE\n2:TWO' ]
}
