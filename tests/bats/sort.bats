#!/usr/bin/env bats
# sort: differential against `LC_ALL=C sort` (GNU coreutils) on seeded random
# bytes for every option combination, in memory and spilling with a tiny
# --memory (many runs, merged in passes); keyed sorts on JSON records with
# their fields and origins kept; stability; `sort | head N` as a top N equal
# to the full sort's first N; temporary runs that leave nothing behind on a
# signal, a full disk or a read-only $TMPDIR.

bats_require_minimum_version 1.5.0
load helpers

# gen SEED N [z]: seeded random records on stdout, newline- (or NUL-) ended:
# empty lines, GNU -n numbers (blanks, signs, decimals, huge, 0x80 inside,
# trailing text), short runs of \r, tabs, dots and high bytes, long binary
# lines without the delimiter, repeats of earlier lines.
setup_file() {
	need python3
	cat > "$BATS_FILE_TMPDIR/gen.py" <<'EOF'
import random, sys
seed, n = int(sys.argv[1]), int(sys.argv[2])
z = len(sys.argv) > 3 and sys.argv[3] == 'z'
r = random.Random(seed)
delim = b'\0' if z else b'\n'
def num():
    s = r.choice(['', ' ', '  ', '\t', ' \t'])
    s += r.choice(['', '-', '-', '+'])
    s += r.choice(['', '0', '00', '1', '12', '007', '999999999999999999999', str(r.randint(0, 10**r.randint(1, 12)))])
    if r.random() < 0.4:
        s += '.' + r.choice(['', '0', '5', '50', '05', str(r.randint(0, 9999))])
    if r.random() < 0.2:
        s += r.choice(['e3', 'abc', ' x', '\x80', '\x805', ',5', '..1', '-'])
    return s.encode('latin-1')
out = []
for i in range(n):
    c = r.random()
    if c < 0.05:
        line = b''
    elif c < 0.45:
        line = num()
    elif c < 0.6:
        line = bytes(r.choice(b'ab\r\t -.0\x80\xff\n' if z else b'ab\r\t -.0\x80\xff') for _ in range(r.randint(1, 6)))
    elif c < 0.63:
        line = bytes(r.randint(1, 255) for _ in range(r.randint(100, 3000)))
    elif c < 0.8 and out:
        line = r.choice(out)
    else:
        line = bytes(r.randint(1, 255) for _ in range(r.randint(0, 40)))
    if not z:
        line = line.replace(b'\n', b'y')
    out.append(line)
sys.stdout.buffer.write(b''.join(l + delim for l in out))
EOF
}

gen() { python3 "$BATS_FILE_TMPDIR/gen.py" "$@"; }

# ties: in.json, five records in two groups of equal g, numbered by i.
ties() {
	printf '%s\n' '{"g":1,"i":1}' '{"g":2,"i":2}' '{"g":1,"i":3}' '{"g":2,"i":4}' '{"g":1,"i":5}' > in.json
}

OPTS=("" -r -n -u -s "-n -r" "-n -u" "-n -s" "-r -u" "-r -s" "-u -s" "-n -r -u" "-n -r -s" "-n -u -s"
	"-r -u -s" "-n -r -u -s")

# same_as_gnu FILE GPIPE_OPTS...: for every option combination, gpipe's sort
# of FILE is byte-identical to LC_ALL=C sort's (with -z when given first).
same_as_gnu() {
	local file=$1 o z=
	shift
	[ "${1:-}" = -z ] && z=-z
	for o in "${OPTS[@]}"; do
		LC_ALL=C sort $z $o < "$file" > want
		"$GPIPE" "$@" "sort $o" "$file" > got || { echo "sort $o: status $?"; return 1; }
		cmp -s want got || { echo "sort $o $*: differs from LC_ALL=C sort $z $o"; return 1; }
	done
}

@test "sort without keys equals LC_ALL=C sort for every option combination (random bytes)" {
	local seed
	for seed in 1 2 3; do
		gen $seed 3000 > in
		same_as_gnu in || { echo "seed $seed"; return 1; }
	done
}

@test "sort -z equals LC_ALL=C sort -z (newlines inside records are blanks to -n)" {
	gen 4 3000 z > in
	same_as_gnu in -z
	same_as_gnu in -z --memory 64K
}

@test "sort spilling runs (--memory 64K) equals the in-memory sort and GNU sort" {
	gen 5 4000 > in
	same_as_gnu in --memory 64K
}

@test "more runs than the fan-in are merged in passes, same bytes" {
	gen 6 50000 > in
	local o
	for o in "" "-n -r" "-u" "-n -u -s"; do
		LC_ALL=C sort $o < in > want
		"$GPIPE" --memory 64K "sort $o" in > got
		cmp -s want got || { echo "sort $o"; return 1; }
	done
}

@test "sort of nothing prints nothing, exit 1" {
	run --separate-stderr "$GPIPE" sort /dev/null
	[ "$status" -eq 1 ] && [ -z "$output" ] && [ -z "$stderr" ]
}

@test "keys: empty first, numbers numerically, text by bytes, missing and null last (with -r too)" {
	printf '%s\n' '{"k":"b","i":1}' '{"k":10,"i":2}' '{"i":3}' '{"k":"","i":4}' '{"k":9,"i":5}' \
		'{"k":"10","i":6}' '{"k":"a","i":7}' '{"k":-1.5,"i":8}' '{"k":null,"i":9}' > in.json
	run "$GPIPE" 'json | sort k | format "{i}"' in.json
	[ "$output" = "$(printf '%s\n' 4 8 5 2 6 7 1 3 9)" ]
	run "$GPIPE" 'json | sort -r k | format "{i}"' in.json
	[ "$output" = "$(printf '%s\n' 1 7 2 6 5 8 4 3 9)" ]
}

@test "keys: stable, ties keep input order (and -r keeps it too)" {
	ties
	run "$GPIPE" 'json | sort g | format "{i}"' in.json
	[ "$output" = "$(printf '%s\n' 1 3 5 2 4)" ]
	run "$GPIPE" 'json | sort -r g | format "{i}"' in.json
	[ "$output" = "$(printf '%s\n' 2 4 1 3 5)" ]
	run "$GPIPE" 'json | sort -u g | format "{i}"' in.json
	[ "$output" = "$(printf '%s\n' 1 2)" ]
}

@test "keys: several, expressions, paths and \$N; -n reads text that is no number as 0" {
	printf '%s\n' '{"m":"ccc","n":{"k":1}}' '{"m":"a","n":{"k":2}}' '{"m":"bb","n":{"k":1}}' > in.json
	run "$GPIPE" 'json | sort n.k, len(m) | format "{m}"' in.json
	[ "$output" = "$(printf '%s\n' bb ccc a)" ]
	run "$GPIPE" 'json | sort -r len(m) | format "{m}"' in.json
	[ "$output" = "$(printf '%s\n' ccc bb a)" ]
	printf '%s\n' 'x 3' 'y 10' 'z 2' 'w' 'v abc' 'u -1' > in.txt
	run "$GPIPE" 'sort $2' in.txt
	[ "$output" = "$(printf '%s\n' 'u -1' 'z 2' 'x 3' 'y 10' 'v abc' w)" ]
	run "$GPIPE" 'sort -n $2' in.txt
	[ "$output" = "$(printf '%s\n' 'u -1' 'v abc' 'z 2' 'x 3' 'y 10' w)" ]
	run "$GPIPE" 'sort -r -n $2' in.txt
	[ "$output" = "$(printf '%s\n' 'y 10' 'x 3' 'z 2' 'v abc' 'u -1' w)" ]
}

@test "keyed sort against python on random JSON records, in memory and spilling" {
	python3 - > in.json <<'EOF'
import json, random
r = random.Random(11)
for i in range(5000):
    o = {"i": i}
    c = r.random()
    if c < 0.1: pass
    elif c < 0.5: o["k"] = r.choice([r.randint(-50, 50), round(r.uniform(-50, 50), 2)])
    elif c < 0.6: o["k"] = ""
    else: o["k"] = "".join(r.choice("abAB\u00e9 ") for _ in range(r.randint(1, 4)))
    o["pad"] = "x" * r.randint(0, 200)
    print(json.dumps(o))
EOF
	python3 - in.json > want <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def key(o):
    k = o.get("k")
    if k is None: return (3, 0, b"")
    if k == "": return (0, 0, b"")
    if isinstance(k, (int, float)): return (1, k, b"")
    return (2, 0, k.encode())
for o in sorted(recs, key=key): print(o["i"])
EOF
	"$GPIPE" 'json | sort k | format "{i}"' in.json > got
	cmp -s want got
	"$GPIPE" --memory 64K 'json | sort k | format "{i}"' in.json > got
	cmp -s want got
}

@test "records keep their fields and origin through a spilling sort" {
	for f in a b; do
		python3 -c "
import json
for i in range(3000): print(json.dumps({'s': (i * 7919) % 1000, 'p': '/$f/%d' % i, 'x': 'y' * 50}))
" > $f.json
	done
	"$GPIPE" 'json | sort -r s, p | select p' a.json b.json > mem
	"$GPIPE" --memory 64K 'json | sort -r s, p | select p' a.json b.json > spill
	cmp -s mem spill
	[ "$(head -1 spill)" = '{"p":"/b/321"}' ]
	run "$GPIPE" --memory 64K -H 'json | sort -r s, p | head 4 | select p' a.json b.json
	[ "$output" = "$(printf '%s\n' 'b.json:{"p":"/b/321"}' 'b.json:{"p":"/b/2321"}' 'b.json:{"p":"/b/1321"}' \
		'a.json:{"p":"/a/321"}')" ]
	run "$GPIPE" --memory 64K -H 'json | sort s, p | head 1 | select p' a.json b.json
	[ "$output" = 'a.json:{"p":"/a/0"}' ]
	run "$GPIPE" -n 'sort -r' a.json
	[ "$(echo "$output" | head -1 | cut -d: -f1)" -ge 1 ]
}

@test "sort | head N equals the full sort's first N, stability included (many N, with spills)" {
	gen 7 20000 > in
	local n o m
	for o in "" -r "-n -u" "-n -s -r" -u; do
		"$GPIPE" "sort $o" in > full
		for m in 256M 64K; do
			for n in 0 1 2 5 100 1023 1024 5000 30000; do
				"$GPIPE" --memory $m "sort $o | head $n" in > top || [ $n -eq 0 ]
				head -n $n full | cmp -s - top || { echo "sort $o | head $n (--memory $m)"; return 1; }
			done
		done
	done
	ties
	run "$GPIPE" 'json | sort -r g | head 3 | format "{i}"' in.json
	[ "$output" = "$(printf '%s\n' 2 4 1)" ]
}

@test "SIGINT, SIGTERM or SIGKILL mid-spill: exits by the signal, nothing left in TMPDIR" {
	gen 8 20000 > in
	local sig
	for sig in INT TERM KILL; do
		killed_mid_spill $sig --memory 64K sort in
	done
}

@test "a read-only TMPDIR: the error names it, exit 2, nothing printed" {
	[ "$(id -u)" -ne 0 ] || skip "root writes anywhere"
	mkdir ro && chmod 0500 ro
	gen 9 5000 > in
	run --separate-stderr env TMPDIR="$PWD/ro" "$GPIPE" --memory 64K sort in
	chmod 0700 ro
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "$stderr" = "gpipe: sort: cannot write a temporary run in $PWD/ro: Permission denied" ]
}

@test "a TMPDIR that does not exist: the error names it, exit 2" {
	gen 9 5000 > in
	run --separate-stderr env TMPDIR="$PWD/none" "$GPIPE" --memory 64K sort in
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "$stderr" = "gpipe: sort: cannot write a temporary run in $PWD/none: No such file or directory" ]
	# Without a spill the temporary directory is never needed.
	run "$GPIPE" sort in
	[ "$status" -eq 0 ]
}

@test "a full or read-only file system under TMPDIR: No space left on device / read-only, exit 2, nothing left" {
	need unshare
	unshare -rm true 2> /dev/null || skip "no user and mount namespaces here"
	gen 10 20000 > in
	mkdir small
	run --separate-stderr unshare -rm sh -c 'mount -t tmpfs -o size=128k tmpfs small &&
		TMPDIR="$PWD/small" "$1" --memory 64K sort in; st=$?; ls -A small; exit $st' _ "$GPIPE"
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "$stderr" = "gpipe: sort: cannot write a temporary run in $PWD/small: No space left on device" ]
	run --separate-stderr unshare -rm sh -c 'mount -t tmpfs -o ro tmpfs small &&
		TMPDIR="$PWD/small" "$1" --memory 64K sort in' _ "$GPIPE"
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "$stderr" = "gpipe: sort: cannot write a temporary run in $PWD/small: Read-only file system" ]
}

@test "sort: bad options and keys fail at open with a caret" {
	run --separate-stderr "$GPIPE" 'sort -x' /dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "$(printf '%s\n' "gpipe: sort: unknown option '-x'" '  sort -x' '       ^^')" ]
	run --separate-stderr "$GPIPE" 'sort a,' /dev/null
	[ "$status" -eq 2 ]
	[ "$stderr" = "$(printf '%s\n' "gpipe: sort: expected a value after ','" '  sort a,' '        ^')" ]
}

@test "help sort documents the options, keys, memory and top N" {
	run "$GPIPE" help sort
	[ "$status" -eq 0 ]
	[[ $output == *"sort [-rnus] [KEY [, KEY]..."* ]]
	[[ $output == *"LC_ALL=C sort"* ]]
	[[ $output == *"stable"* ]]
	[[ $output == *"--memory"* ]]
	[[ $output == *"head N"* ]]
	run "$GPIPE" --list-stages
	[[ $output == *sort* ]]
}

@test "bounded memory: a spilling sort's peak RSS does not grow with the input; a top N holds N" {
	no_asan
	peakrss_tool
	seq 1 300000 | shuf --random-source=<(yes) > small
	seq 1 3000000 | shuf --random-source=<(yes) > big
	"$PEAKRSS" small.rss "$GPIPE" --memory 1M sort small > small.out
	"$PEAKRSS" big.rss "$GPIPE" --memory 1M sort big > big.out
	LC_ALL=C sort big | cmp -s - big.out
	local a b t
	a=$(cat small.rss) b=$(cat big.rss)
	echo "# peak RSS --memory 1M: 2 MB input $a KiB, 22 MB input $b KiB" >&3
	# The merge reads more runs through smaller buffers: within 2 MiB.
	[ $((b - a)) -lt 2048 ] || { echo "grew from $a to $b KiB"; return 1; }
	"$PEAKRSS" top.rss "$GPIPE" 'sort -n -r | head 3' big > top.out
	[ "$(cat top.out)" = "$(printf '%s\n' 3000000 2999999 2999998)" ]
	t=$(cat top.rss)
	echo "# peak RSS top 3 of 22 MB: $t KiB" >&3
	[ "$t" -lt $((a + 1024)) ] || { echo "top 3: $t KiB"; return 1; }
}
