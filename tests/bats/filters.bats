#!/usr/bin/env bats
# head, tail, skip, count, upper, lower, trim: exact output against the
# coreutils that do the same (head -n, tail -n, tail -n +K, wc -l, tr), and
# exact diagnostics for bad arguments.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	# Small text: mixed case, empty line, CRLF, bytes >= 0x80, NUL.
	SMALL=$T/small.txt
	printf 'Alpha one\nbeta Two\n\nGAMMA three\r\ndelta caf\303\251 \377\n  padded  \nzeta\000nul\neta\ntheta last\n' >"$SMALL"
	cases_begin
}

# Over 3 MiB of mixed-case text in lines of varied length, more than a
# dozen 256 KiB read blocks.
make_big() {
	awk 'BEGIN {
		pad = "The Quick brown FOX jumps over the lazy dog 0123456789 "
		pad = pad pad pad pad
		for (i = 1; i <= 60000; i++)
			print i " " substr(pad, 1 + (i % 17), (i * 31) % 110)
	}' >"$1"
}

# vs NAME EXPR FILE REF-CMD...: gpipe EXPR FILE against REF-CMD... <FILE,
# stdout bytes, exit 0 (1 when the reference output is empty), no stderr.
vs() {
	local name=$1 expr=$2 file=$3 rc=0 want=0
	shift 3
	"$GPIPE" "$expr" "$file" >"$T/gp.out" 2>"$T/gp.err" || rc=$?
	"$@" <"$file" >"$T/ref.out"
	[ -s "$T/ref.out" ] || want=1
	case_same "$name: gpipe '$expr' vs $*" "$T/gp.out" "$T/ref.out"
	[ "$rc" = "$want" ] || case_fail "$name: gpipe '$expr' exited $rc, want $want"
	[ ! -s "$T/gp.err" ] || case_fail "$name: gpipe '$expr' wrote to stderr: $(head -c 200 "$T/gp.err")"
}

@test "head, tail and skip match head -n, tail -n and tail -n +K on a small input" {
	local n
	for n in 0 1 2 3 9 10 11 1000; do
		vs "small head $n" "head $n" "$SMALL" head -n "$n"
		vs "small head -n $n" "head -n $n" "$SMALL" head -n "$n"
		vs "small tail $n" "tail $n" "$SMALL" tail -n "$n"
		vs "small tail -n $n" "tail -n $n" "$SMALL" tail -n "$n"
		vs "small skip $n" "skip $n" "$SMALL" tail -n "+$((n + 1))"
		vs "small skip -n $n" "skip -n $n" "$SMALL" tail -n "+$((n + 1))"
	done
	report_fails
}

@test "head, tail and skip match coreutils on a 3 MiB input" {
	local big=$T/big.txt n
	make_big "$big"
	[ "$(wc -c <"$big")" -gt $((3 * 1048576)) ]
	for n in 0 1 7 5000 29999 59999 60000 60001 1000000; do
		vs "big head $n" "head $n" "$big" head -n "$n"
		vs "big tail $n" "tail $n" "$big" tail -n "$n"
		vs "big skip $n" "skip $n" "$big" tail -n "+$((n + 1))"
	done
	vs "big skip|head" "skip 30000 | head 12345" "$big" sh -c 'tail -n +30001 | head -n 12345'
	vs "big head|skip" "head 40000 | skip 39990" "$big" sh -c 'head -n 40000 | tail -n +39991'
	vs "big head|tail" "head 40000 | tail 3" "$big" sh -c 'head -n 40000 | tail -n 3'
	vs "big tail|head" "tail 40000 | head 3" "$big" sh -c 'tail -n 40000 | head -n 3'
	vs "big tail|skip" "tail 40000 | skip 39997" "$big" sh -c 'tail -n 40000 | tail -n +39998'
	vs "big grep|head" "grep 5 | head 1000" "$big" sh -c 'grep 5 | head -n 1000'
	vs "big grep|tail" "grep FOX | tail 1000" "$big" sh -c 'grep FOX | tail -n 1000'
	vs "big grep|skip" "grep FOX | skip 1000" "$big" sh -c 'grep FOX | tail -n +1001'
	vs "big grep|count" "grep -v FOX | count" "$big" sh -c 'grep -c -v FOX'
	vs "big count" "count" "$big" sh -c 'wc -l | tr -d " "'
	vs "big upper" "upper" "$big" tr a-z A-Z
	vs "big lower" "lower" "$big" tr A-Z a-z
	vs "big trim" "trim" "$big" sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
	vs "big grep|upper" "grep -i fox | upper" "$big" sh -c 'grep -i fox | tr a-z A-Z'
	vs "big tail|lower" "tail 100 | lower" "$big" sh -c 'tail -n 100 | tr A-Z a-z'
	report_fails
}

@test "head 0 and tail 0 print nothing and exit 1" {
	run --separate-stderr "$GPIPE" 'head 0' "$SMALL"
	out_is 1
	run --separate-stderr "$GPIPE" 'tail 0' "$SMALL"
	out_is 1
	run --separate-stderr "$GPIPE" 'skip 10' "$SMALL"
	out_is 1
}

@test "head/tail/skip keep line numbers (-n) and origins (-H) of the records they pass" {
	local a=$T/a.txt b=$T/b.txt
	printf 'a1\na2\na3\n' >"$a"
	printf 'b1\nb2\nb3\nb4\n' >"$b"
	run --separate-stderr "$GPIPE" -n 'skip 2 | head 3' "$a" "$b"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "3:a3
1:b1
2:b2" ]
	run --separate-stderr "$GPIPE" -H -n 'tail 2' "$a" "$b"
	[ "$status" -eq 0 ]
	[ "$output" = "$b:3:b3
$b:4:b4" ]
	run --separate-stderr "$GPIPE" -H 'head 4' "$a" "$b"
	[ "$output" = "$a:a1
$a:a2
$a:a3
$b:b1" ]
	run --separate-stderr "$GPIPE" -n 'grep 2 | tail 1' "$a" "$b"
	[ "$output" = "2:b2" ]
	run --separate-stderr "$GPIPE" -n 'skip 4' "$a" "$b"
	[ "$output" = "2:b2
3:b3
4:b4" ]
}

@test "records run on over several inputs, and a last line without newline is a record" {
	local a=$T/a.txt b=$T/b.txt c=$T/c.txt e=$T/empty.txt
	printf 'a1\na2\na3' >"$a"
	: >"$e"
	printf 'b1\nb2\n' >"$b"
	printf 'c1' >"$c"
	run --separate-stderr "$GPIPE" 'head 5' "$a" "$e" "$b" "$c"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "a1
a2
a3
b1
b2" ]
	"$GPIPE" 'skip 0' "$a" "$e" "$b" "$c" >"$T/out"
	printf 'a1\na2\na3\nb1\nb2\nc1\n' >"$T/want"
	cmp "$T/out" "$T/want"
	run --separate-stderr "$GPIPE" 'tail 3' "$a" "$e" "$b" "$c"
	[ "$output" = "b1
b2
c1" ]
	run --separate-stderr "$GPIPE" 'skip 2 | head 2' "$a" "$e" "$b" "$c"
	[ "$output" = "a3
b1" ]
	run --separate-stderr "$GPIPE" 'count' "$a" "$e" "$b" "$c"
	[ "$status" -eq 0 ]
	[ "$output" = "6" ]
	printf 'abc' | "$GPIPE" upper >"$T/out"
	printf 'ABC\n' >"$T/want"
	cmp "$T/out" "$T/want"
	printf 'x\ny' | "$GPIPE" 'tail 1' >"$T/out"
	printf 'y\n' >"$T/want"
	cmp "$T/out" "$T/want"
}

@test "count matches wc -l and grep -c, over one and several files" {
	local big=$T/big.txt a=$T/a.txt
	make_big "$big"
	vs "count small" count "$SMALL" sh -c 'wc -l | tr -d " "'
	vs "count big" count "$big" sh -c 'wc -l | tr -d " "'
	vs "grep|count" 'grep -i the | count' "$big" grep -c -i the
	vs "grep|count none" 'grep NOPE | count' "$big" sh -c 'grep -c NOPE; true'
	vs "head|count" 'head 12345 | count' "$big" echo 12345
	vs "tail|count" 'tail 77 | count' "$big" echo 77
	vs "skip|count" 'skip 59990 | count' "$big" echo 10
	report_fails
	printf 'x\ny\n' >"$a"
	run --separate-stderr "$GPIPE" count "$big" "$SMALL" "$a" "$big"
	out_is 0 "$(cat "$big" "$SMALL" "$a" "$big" | wc -l)"
	[ "$output" = "120011" ]
}

@test "count of an empty input prints 0 (and exits 0: a record was written)" {
	run --separate-stderr "$GPIPE" count </dev/null
	out_is 0 "0"
	: >"$T/e1"
	: >"$T/e2"
	run --separate-stderr "$GPIPE" count "$T/e1" "$T/e2"
	[ "$status" -eq 0 ]
	[ "$output" = "0" ]
	run --separate-stderr "$GPIPE" 'grep x | count' "$SMALL"
	[ "$status" -eq 0 ]
	[ "$output" = "0" ]
	run --separate-stderr "$GPIPE" 'head 0 | count' "$SMALL"
	[ "$output" = "0" ]
	# A last line without newline counts (wc -l would say 2).
	run --separate-stderr bash -c 'printf "a\nb\nc" | "$0" count' "$GPIPE"
	[ "$output" = "3" ]
	# A lone newline is one (empty) record.
	run --separate-stderr bash -c 'printf "\n" | "$0" count' "$GPIPE"
	[ "$output" = "1" ]
}

@test "upper and lower change ASCII letters only, as LC_ALL=C tr does" {
	# Every byte value, each line a run of 16 (the newline byte splits one).
	local all=$T/all.bin
	printf "$(printf '\\%03o' $(seq 0 255))\n" >"$all"
	for n in 1 2 3; do cat "$all" "$all" >"$T/x" && mv "$T/x" "$all"; done
	[ "$(wc -c <"$all")" -eq $((257 * 8)) ]
	vs "upper all bytes" upper "$all" tr a-z A-Z
	vs "lower all bytes" lower "$all" tr A-Z a-z
	vs "upper small" upper "$SMALL" tr a-z A-Z
	vs "lower small" lower "$SMALL" tr A-Z a-z
	vs "upper|lower" 'upper | lower' "$SMALL" tr A-Z a-z
	vs "grep -o|upper" "grep -o '[a-z]+' | upper" "$SMALL" sh -c 'grep -a -o -E "[a-z]+" | tr a-z A-Z'
	vs "tail|upper" 'tail 3 | upper' "$SMALL" sh -c 'tail -n 3 | tr a-z A-Z'
	vs "trim|upper" 'trim | upper' "$SMALL" sh -c 'sed -e "s/^[[:space:]]*//" -e "s/[[:space:]]*$//" | tr a-z A-Z'
	report_fails
}

@test "upper over a grep keeps the input unchanged for a later stage (no in-place corruption)" {
	local f=$T/f.txt
	printf 'abc ERROR\ndef\nghi ERROR\n' >"$f"
	run --separate-stderr "$GPIPE" 'grep ERROR | upper | lower' "$f"
	[ "$status" -eq 0 ]
	[ "$output" = "abc error
ghi error" ]
	run --separate-stderr "$GPIPE" -n 'upper | grep ERROR' "$f"
	[ "$output" = "1:ABC ERROR
3:GHI ERROR" ]
	run --separate-stderr "$GPIPE" 'upper | grep -x DEF' "$f"
	[ "$output" = "DEF" ]
}

@test "trim removes spaces, tabs, CR and other ASCII white space at both ends only" {
	printf '  a  b  \n\tc\t\r\n\r\n \t \nd\n\v\fe\f\v\n\303\251 \n x\000y \n' >"$T/in"
	"$GPIPE" trim "$T/in" >"$T/out"
	printf 'a  b\nc\n\n\nd\ne\n\303\251\nx\000y\n' >"$T/want"
	cmp "$T/out" "$T/want"
	run --separate-stderr "$GPIPE" 'trim | grep -x c' "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = "c" ]
	run --separate-stderr "$GPIPE" -n 'trim | grep -x ""' "$T/in"
	[ "$output" = "3:
4:" ]
	run --separate-stderr "$GPIPE" 'grep c | trim' "$T/in"
	[ "$output" = "c" ]
}

@test "-z: NUL-delimited records with head, tail, skip, count, upper, trim" {
	local z=$T/z.bin
	printf 'one\nline\000two\000\000Three 3\000 four \000five' >"$z"
	"$GPIPE" -z 'head 2' "$z" >"$T/out"
	printf 'one\nline\000two\000' >"$T/want"
	cmp "$T/out" "$T/want"
	"$GPIPE" -z 'head 2' "$z" | cmp - <(head -z -n 2 "$z")
	"$GPIPE" -z 'tail 2' "$z" >"$T/out"
	printf ' four \000five\000' >"$T/want"
	cmp "$T/out" "$T/want"
	"$GPIPE" -z 'skip 3' "$z" >"$T/out"
	printf 'Three 3\000 four \000five\000' >"$T/want"
	cmp "$T/out" "$T/want"
	run --separate-stderr "$GPIPE" -z count "$z"
	[ "$status" -eq 0 ]
	[ "$output" = "6" ]
	"$GPIPE" -z count "$z" >"$T/out"
	printf '6\000' >"$T/want"
	cmp "$T/out" "$T/want"
	"$GPIPE" -z upper "$z" >"$T/out"
	printf 'ONE\nLINE\000TWO\000\000THREE 3\000 FOUR \000FIVE\000' >"$T/want"
	cmp "$T/out" "$T/want"
	"$GPIPE" -z trim "$z" >"$T/out"
	printf 'one\nline\000two\000\000Three 3\000four\000five\000' >"$T/want"
	cmp "$T/out" "$T/want"
	"$GPIPE" -z 'grep -x "[a-z]+"' "$z" >"$T/out"
	printf 'two\000five\000' >"$T/want"
	cmp "$T/out" "$T/want"
	# A big NUL-delimited stream against head -z / tail -z.
	seq 1 300000 | tr '\n' '\0' >"$T/bigz"
	"$GPIPE" -z 'head 250000' "$T/bigz" | cmp - <(head -z -n 250000 "$T/bigz")
	"$GPIPE" -z 'tail 250000' "$T/bigz" | cmp - <(tail -z -n 250000 "$T/bigz")
	"$GPIPE" -z 'skip 123456' "$T/bigz" | cmp - <(tail -z -n +123457 "$T/bigz")
	[ "$("$GPIPE" -z count "$T/bigz" | tr -d '\0')" = 300000 ]
}

@test "yes | gpipe 'head 3' terminates" {
	run --separate-stderr bash -c 'yes | timeout 10 "$0" "head 3"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "y
y
y" ]
	[ "$stderr" = "" ]
	run --separate-stderr bash -c 'yes | timeout 10 "$0" "head 0"' "$GPIPE"
	[ "$status" -eq 1 ]
	[ "$output" = "" ]
	run --separate-stderr bash -c 'yes abc | timeout 10 "$0" "upper | skip 5 | head 2"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "ABC
ABC" ]
}

@test "grep X | head 1 stops reading an endless stream once the first match is out" {
	# The match is on line 1; after it come 200 MiB of filler and then more
	# forever. gpipe must stop on its own (timeout only guards against a hang).
	run --separate-stderr bash -c '{ echo "line one X"; head -c 209715200 /dev/zero | tr "\0" "\n"; yes filler; } |
		timeout 20 "$0" "grep X | head 1"' "$GPIPE"
	out_is 0 "line one X"
	run --separate-stderr bash -c '{ seq 1 100000; yes; } | timeout 20 "$0" -n "grep -x 99999 | head 1"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "99999:99999" ]
}

@test "bad arguments: exact diagnostics with carets, exit 2, nothing on stdout" {
	local e want
	while IFS=$'\t' read -r e want; do
		run --separate-stderr "$GPIPE" "$e" "$SMALL"
		NCASES=$((NCASES + 1))
		want=${want//\\n/$'\n'}
		if [ "$status" -ne 2 ] || [ -n "$output" ] || [ "$stderr" != "$want" ]; then
			case_fail "'$e': status $status, stdout '$output', stderr:
$stderr
--- want:
$want"
		fi
	done <<'EOF'
head abc	gpipe: head: invalid count 'abc' (want a whole number)\n  head abc\n       ^^^
head	gpipe: head: missing N\n  head\n  ^^^^
head 1 2	gpipe: head: unexpected argument '2'\n  head 1 2\n         ^
upper x	gpipe: upper: unexpected argument 'x'\n  upper x\n        ^
count x	gpipe: count: unexpected argument 'x'\n  count x\n        ^
lower a b	gpipe: lower: unexpected argument 'a'\n  lower a b\n        ^
trim x	gpipe: trim: unexpected argument 'x'\n  trim x\n       ^
tail	gpipe: tail: missing N\n  tail\n  ^^^^
skip	gpipe: skip: missing N\n  skip\n  ^^^^
head -n	gpipe: head: option '-n' needs an argument (N)\n  head -n\n       ^^
head -n abc	gpipe: head: invalid count 'abc' (want a whole number)\n  head -n abc\n          ^^^
head -5x	gpipe: head: unknown option '-5'\n  head -5x\n       ^^
skip x	gpipe: skip: invalid count 'x' (want a whole number)\n  skip x\n       ^
head 1x	gpipe: head: invalid count '1x' (want a whole number)\n  head 1x\n       ^^
head +3	gpipe: head: invalid count '+3' (want a whole number)\n  head +3\n       ^^
tail 16777217	gpipe: tail: count too large (at most 16777216 records are kept)\n  tail 16777217\n       ^^^^^^^^
count by	gpipe: count: expected a value after 'by'\n  count by\n        ^^
grep ERROR | head x	gpipe: head: invalid count 'x' (want a whole number)\n  grep ERROR | head x\n                    ^
head 1 | uper	gpipe: unknown stage 'uper' (did you mean 'upper'?)\n  head 1 | uper\n           ^^^^
EOF
	report_fails
}

@test "tail and sample keep origins while their storage grows (-H, -n after hundreds of kept records)" {
	seq 1 5000 > nums.log
	run "$GPIPE" -Hn 'tail 1000 | head 2' nums.log
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'nums.log:4001:4001\nnums.log:4002:4002')" ]
	run "$GPIPE" -H --seed 7 'sample 3000 | count' nums.log
	[ "$output" = "3000" ]
	"$GPIPE" -H --seed 7 'sample 3000' nums.log > got
	[ "$(grep -c '^nums.log:' got)" -eq 3000 ]
}
