#!/usr/bin/env bats
# Inputs: files in order, stdin, pipes and FIFOs, directories (recursive, in
# byte order, symlinks and special files skipped), errors on open, bytes kept
# as bytes, records longer than the read block, --max-record, -z, and
# records written while the input pauses (tail -f).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	GP_PID=
	WRITER_OPEN=
}

teardown() { bg_teardown; }

@test "several files are read in the order given" {
	printf 'a1\na2\n' >a.txt
	printf 'b1\n' >b.txt
	printf 'c1\nc2\n' >c.txt
	run --separate-stderr "$GPIPE" 'grep ""' c.txt a.txt b.txt a.txt
	out_is 0 "$(cat c.txt a.txt b.txt a.txt)"
	run --separate-stderr "$GPIPE" -H -n 'grep 1' c.txt a.txt b.txt
	[ "$output" = "c.txt:1:c1
a.txt:1:a1
b.txt:1:b1" ]
}

@test "'-' is standard input among files, and no file at all means standard input" {
	printf 'a1\n' >a.txt
	printf 'b1\n' >b.txt
	run --separate-stderr bash -c 'printf "s1\ns2\n" | "$0" -H -n "grep \"\"" a.txt - b.txt' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "a.txt:1:a1
(standard input):1:s1
(standard input):2:s2
b.txt:1:b1" ]
	run --separate-stderr bash -c 'printf "s1\ns2\n" | "$0" -H "grep 2"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "(standard input):s2" ]
	run --separate-stderr "$GPIPE" 'grep 1' <a.txt
	[ "$status" -eq 0 ]
	[ "$output" = "a1" ]
	run --separate-stderr "$GPIPE" 'grep 1' - <b.txt
	[ "$output" = "b1" ]
}

@test "standard input from a pipe delivers every record, in batches of any size" {
	seq 1 200000 >seq.txt
	run --separate-stderr bash -c 'cat seq.txt | "$0" count' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "200000" ]
	# A slow writer: small pipe writes of partial lines.
	run --separate-stderr bash -c 'for i in 1 2 3; do printf "li"; sleep 0.05; printf "ne$i\n"; done | "$0" "grep -x \"line[13]\""' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "line1
line3" ]
	bash -c 'cat seq.txt | "$0" "skip 0"' "$GPIPE" | cmp - seq.txt
}

@test "a FIFO named as a file, and a FIFO as standard input" {
	mkfifo f1 f2
	# The writers give up if gpipe never opens the FIFO.
	timeout 20 sh -c 'seq 1 100000 >f1' &
	run --separate-stderr timeout 20 "$GPIPE" 'grep -x "9+"' f1
	wait
	out_is 0 "$(seq 1 100000 | grep -x '9\+')"
	timeout 20 sh -c 'printf "x ERROR\ny\n" >f2' &
	run --separate-stderr bash -c 'timeout 20 "$0" -H "grep ERROR" <f2' "$GPIPE"
	wait
	[ "$status" -eq 0 ]
	[ "$output" = "(standard input):x ERROR" ]
}

# The tree used by the directory tests, with each file holding its own path.
make_tree() {
	mkdir -p d/a/deep d/empty
	local f
	for f in d/.hidden.log d/B.log d/a/deep/x.log d/a/z.log d/a-b.log d/a.log d/b.log; do
		printf '%s\n' "${f#d/}" >"$f"
	done
	printf 'outside\n' >outside.log
	ln -s ../outside.log d/link.log
	ln -s a d/linkdir
	ln -s a/z.log d/a/zz-link.log
}

@test "a directory is searched recursively, entries in byte order, symlinks skipped" {
	make_tree
	run --separate-stderr "$GPIPE" -H 'grep ""' d
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "d/.hidden.log:.hidden.log
d/B.log:B.log
d/a/deep/x.log:a/deep/x.log
d/a/z.log:a/z.log
d/a-b.log:a-b.log
d/a.log:a.log
d/b.log:b.log" ]
	# The same set of lines as grep -r (which also skips symlinks met while
	# recursing); grep -r's order is the directory's, so compare sorted.
	[ "$(sort <<<"$output")" = "$(grep -r '' d | sort)" ]
	# A trailing slash does not double.
	run --separate-stderr "$GPIPE" -H 'grep B' d/
	[ "$output" = "d/B.log:B.log" ]
	# Directories and files mixed on the command line, in the order given.
	run --separate-stderr "$GPIPE" -H 'grep ""' d/b.log d/a outside.log
	[ "$output" = "d/b.log:b.log
d/a/deep/x.log:a/deep/x.log
d/a/z.log:a/z.log
outside.log:outside" ]
}

@test "a symlink named on the command line is followed" {
	make_tree
	run --separate-stderr "$GPIPE" -H 'grep ""' d/link.log
	[ "$status" -eq 0 ]
	[ "$output" = "d/link.log:outside" ]
	run --separate-stderr "$GPIPE" -H 'grep ""' d/linkdir
	[ "$status" -eq 0 ]
	[ "$output" = "d/linkdir/deep/x.log:a/deep/x.log
d/linkdir/z.log:a/z.log" ]
}

@test "a FIFO inside a directory is skipped, not opened (which would block)" {
	mkdir d
	printf 'one\n' >d/a.log
	mkfifo d/b.fifo
	printf 'two\n' >d/c.log
	run --separate-stderr timeout 10 "$GPIPE" -H 'grep ""' d
	[ "$status" -eq 0 ]
	[ "$output" = "d/a.log:one
d/c.log:two" ]
	[ "$stderr" = "" ]
}

@test "empty files and empty directories give no records and exit 1" {
	: >empty1
	: >empty2
	mkdir emptydir
	run --separate-stderr "$GPIPE" 'grep ""' empty1 empty2 emptydir
	out_is 1
	run --separate-stderr "$GPIPE" 'skip 0' </dev/null
	out_is 1
	printf 'x\n' >one
	run --separate-stderr "$GPIPE" -n 'grep x' empty1 one empty2
	[ "$status" -eq 0 ]
	[ "$output" = "1:x" ]
}

@test "a missing file is reported, the other files are still read, exit 2" {
	printf 'a1\n' >a.txt
	printf 'b1\n' >b.txt
	run --separate-stderr "$GPIPE" 'grep ""' a.txt nope.log b.txt
	[ "$status" -eq 2 ]
	[ "$output" = "a1
b1" ]
	[ "$stderr" = "gpipe: cannot open 'nope.log': No such file or directory" ]
	run --separate-stderr "$GPIPE" 'grep ""' nope.log
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "gpipe: cannot open 'nope.log': No such file or directory" ]
	run --separate-stderr "$GPIPE" 'count' nope.log a.txt
	[ "$status" -eq 2 ]
	[ "$output" = "1" ]
}

@test "a path through a regular file fails to open (Not a directory), exit 2" {
	printf 'a1\n' >a.txt
	run --separate-stderr "$GPIPE" 'grep ""' a.txt/x a.txt
	[ "$status" -eq 2 ]
	[ "$output" = "a1" ]
	[ "$stderr" = "gpipe: cannot open 'a.txt/x': Not a directory" ]
}

@test "an unreadable file is reported, the others still read, exit 2" {
	[ "$(id -u)" -ne 0 ] || skip "root can read a mode-000 file"
	printf 'a1\n' >a.txt
	printf 'secret\n' >locked.log
	chmod 000 locked.log
	run --separate-stderr "$GPIPE" 'grep ""' locked.log a.txt
	chmod 600 locked.log
	[ "$status" -eq 2 ]
	[ "$output" = "a1" ]
	[ "$stderr" = "gpipe: cannot open 'locked.log': Permission denied" ]
}

@test "an unreadable directory inside a tree is reported, the rest still read, exit 2" {
	[ "$(id -u)" -ne 0 ] || skip "root can read a mode-000 directory"
	mkdir -p d/locked
	printf 'a\n' >d/a.log
	printf 'z\n' >d/z.log
	chmod 000 d/locked
	run --separate-stderr "$GPIPE" 'grep ""' d
	chmod 700 d/locked
	[ "$status" -eq 2 ]
	[ "$output" = "a
z" ]
	[ "$stderr" = "gpipe: cannot read directory 'd/locked': Permission denied" ]
}

@test "standard input that is a directory is reported, exit 2" {
	mkdir d
	run --separate-stderr "$GPIPE" 'grep ""' <d
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "gpipe: (standard input): Is a directory" ]
}

@test "CR, NUL and invalid UTF-8 bytes pass through unchanged" {
	printf 'crlf\r\n\r\nnul\000in\000line\n\000\nbad \377\303 utf8 \300\200\nend\r' >bytes.bin
	"$GPIPE" 'grep ""' bytes.bin >out
	printf 'crlf\r\n\r\nnul\000in\000line\n\000\nbad \377\303 utf8 \300\200\nend\r\n' >want
	cmp out want
	"$GPIPE" 'skip 0' <bytes.bin | cmp - want
	"$GPIPE" 'grep -v zzz | tail 9' bytes.bin | cmp - want
	"$GPIPE" -n 'grep "in.line"' bytes.bin >out
	printf '3:nul\000in\000line\n' >want
	cmp out want
	printf 'bad \377\303 utf8 \300\200\n' >want
	"$GPIPE" "grep '$(printf '\377\303')'" bytes.bin | cmp - want
	"$GPIPE" 'grep -x "end\r"' bytes.bin | cmp - <(printf 'end\r\n')
}

@test "a 3 MiB line (longer than the 256 KiB read block) passes intact" {
	{
		printf 'before\n'
		seq 1 470000 | tr '\n' ' '
		printf 'TAIL\nafter\n'
	} >long.txt
	[ "$(sed -n 2p long.txt | wc -c)" -gt $((3 * 1048576)) ]
	"$GPIPE" 'grep ""' long.txt | cmp - long.txt
	"$GPIPE" 'skip 0' <long.txt | cmp - long.txt
	bash -c 'cat long.txt | "$0" "skip 0"' "$GPIPE" | cmp - long.txt
	"$GPIPE" 'grep TAIL' long.txt | cmp - <(sed -n 2p long.txt)
	"$GPIPE" 'grep "^1 2 3 "' long.txt | cmp - <(sed -n 2p long.txt)
	"$GPIPE" 'tail 2 | head 1' long.txt | cmp - <(sed -n 2p long.txt)
	run --separate-stderr "$GPIPE" -n 'grep -v "^1 2 3 "' long.txt
	[ "$status" -eq 0 ]
	[ "$output" = "1:before
3:after" ]
	run --separate-stderr "$GPIPE" count long.txt
	[ "$output" = "3" ]
	# Without a final newline, from a pipe.
	run --separate-stderr bash -c 'head -c 3000000 /dev/zero | tr "\0" x | "$0" count' "$GPIPE"
	[ "$output" = "1" ]
}

@test "--max-record: a longer record (under the read block) is reported and skipped, exit 2" {
	{
		printf 'ok1\n'
		head -c 2000 /dev/zero | tr '\0' a; printf '\n'
		printf 'ok2\n'
		head -c 1024 /dev/zero | tr '\0' b; printf '\n'
		head -c 1025 /dev/zero | tr '\0' c; printf '\n'
		printf 'ok3\n'
	} >rec.txt
	run --separate-stderr "$GPIPE" --max-record 1K -n 'grep ""' rec.txt
	[ "$status" -eq 2 ]
	[ "$output" = "1:ok1
3:ok2
4:$(head -c 1024 /dev/zero | tr '\0' b)
6:ok3" ]
	[ "$stderr" = "gpipe: rec.txt: 2 records longer than --max-record 1024 bytes skipped (first at line 2, 2000 bytes)" ]
}

@test "--max-record: a record of exactly max-record bytes is kept" {
	{ printf 'x\n'; head -c 1024 /dev/zero | tr '\0' b; printf '\ny\n'; } >exact.txt
	run --separate-stderr "$GPIPE" --max-record 1K count exact.txt
	out_is 0 "3"
	{ printf 'x\n'; head -c 300000 /dev/zero | tr '\0' b; printf '\ny\n'; } >exact2.txt
	run --separate-stderr "$GPIPE" --max-record 300000 'grep b' exact2.txt
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "${#output}" -eq 300000 ]
	run --separate-stderr "$GPIPE" --max-record 299999 'grep ""' exact2.txt
	[ "$status" -eq 2 ]
	[ "$output" = "x
y" ]
	[ "$stderr" = "gpipe: exact2.txt: 1 record longer than --max-record 299999 bytes skipped (at line 2, 300000 bytes)" ]
}

@test "--max-record: records longer than the read block, a last one without newline, stdin" {
	{
		printf 'first\n'
		head -c 3145728 /dev/zero | tr '\0' a; printf '\n'
		printf 'mid\n'
		head -c 400000 /dev/zero | tr '\0' c
	} >big.txt
	run --separate-stderr "$GPIPE" --max-record 1K -n 'grep ""' big.txt
	[ "$status" -eq 2 ]
	[ "$output" = "1:first
3:mid" ]
	[ "$stderr" = "gpipe: big.txt: 2 records longer than --max-record 1024 bytes skipped (first at line 2, 3145728 bytes)" ]
	# From a pipe, with a limit the unterminated 400000-byte last line fits.
	run --separate-stderr bash -c 'cat big.txt | "$0" --max-record 1M count' "$GPIPE"
	[ "$status" -eq 2 ]
	[ "$output" = "3" ]
	[ "$stderr" = "gpipe: (standard input): 1 record longer than --max-record 1048576 bytes skipped (at line 2, 3145728 bytes)" ]
	run --separate-stderr "$GPIPE" --max-record 0 count big.txt
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "gpipe: invalid --max-record '0' (want a size like 512K, 64M or 1G)" ]
}

@test "--max-record with -z counts NUL-delimited records" {
	{ printf 'a\000'; head -c 300000 /dev/zero | tr '\0' '\n'; printf '\000b\000'; } >z.bin
	"$GPIPE" -z --max-record 1K 'grep ""' z.bin >out 2>err && rc=0 || rc=$?
	[ "$rc" -eq 2 ]
	printf 'a\000b\000' | cmp - out
	[ "$(cat err)" = "gpipe: z.bin: 1 record longer than --max-record 1024 bytes skipped (at line 2, 300000 bytes)" ]
}

@test "-z splits on NUL only; newlines are record bytes" {
	printf 'one\ntwo\000three\000\000four\nfive' >z.bin
	"$GPIPE" -z 'grep o' z.bin >out
	printf 'one\ntwo\000four\nfive\000' | cmp - out
	"$GPIPE" -z -n 'grep ""' z.bin >out
	printf '1:one\ntwo\0002:three\0003:\0004:four\nfive\000' | cmp - out
	"$GPIPE" -z 'grep -x "two|three"' z.bin >out
	printf 'three\000' | cmp - out
	# ^ and $ are the record's ends, not a newline inside it (as grep -z).
	run --separate-stderr "$GPIPE" -z 'grep -e "^two" -e "one$" -e "^five"' z.bin
	out_is 1
	"$GPIPE" -z 'grep -e "^one" -e "five$"' z.bin >out
	printf 'one\ntwo\000four\nfive\000' | cmp - out
	run --separate-stderr "$GPIPE" -z count z.bin
	[ "$output" = "4" ]
	# Without -z the same bytes are 3 newline records.
	run --separate-stderr "$GPIPE" count z.bin
	[ "$output" = "3" ]
}

@test "records are written while a FIFO input pauses (tail -f), and exit when it closes" {
	fifo_gp 'grep ERROR'
	printf 'noise\nfirst ERROR\nmore noise\n' >&5
	wait_for out "first ERROR"
	kill -0 "$GP_PID" # still running: the writer is open
	printf 'second ERROR\n' >&5
	wait_for out "first ERROR
second ERROR"
	kill -0 "$GP_PID"
	fifo_close
	gp_reaped 0
	[ "$(cat out)" = "first ERROR
second ERROR" ]
}

@test "standard input that pauses: records are written before it ends" {
	fifo_gp -i -n 'grep ERROR'
	printf 'x\ny ERROR\n' >&5
	wait_for out "2:y ERROR"
	kill -0 "$GP_PID"
	fifo_close
	gp_reaped 0
}

@test "grep X | head 1 exits after the first match while the input stays open" {
	fifo_gp 'grep ERROR | head 1'
	printf 'a\nb ERROR\nc ERROR\n' >&5
	# gpipe must end on its own, with the writer still open.
	gp_exits_within 10
	gp_reaped 0
	fifo_close
	[ "$(cat out)" = "b ERROR" ]
}

@test "--max-record: over-long records are summarised once per input, member and head" {
	python3 -c '
for i in range(1, 10001):
    print("y" * (i % 30))
' >many.log
	printf 'short\n%s\nshort2\n' "$(head -c 50 /dev/zero | tr '\0' z)" >one.log
	run --separate-stderr "$GPIPE" --max-record 10 count many.log one.log
	[ "$status" -eq 2 ]
	[ "$output" = "3675" ]
	[ "$stderr" = "gpipe: many.log: 6327 records longer than --max-record 10 bytes skipped (first at line 11, 11 bytes)
gpipe: one.log: 1 record longer than --max-record 10 bytes skipped (at line 2, 50 bytes)" ]
	# Members are inputs of their own; head closing the input still says it.
	bsdtar -cf both.tar many.log one.log
	run --separate-stderr "$GPIPE" --max-record 10 count both.tar
	[ "$status" -eq 2 ]
	[ "$stderr" = "gpipe: both.tar:many.log: 6327 records longer than --max-record 10 bytes skipped (first at line 11, 11 bytes)
gpipe: both.tar:one.log: 1 record longer than --max-record 10 bytes skipped (at line 2, 50 bytes)" ]
	run --separate-stderr bash -c '"$0" --max-record 10 "head 11" many.log | wc -l' "$GPIPE"
	[ "$output" = "11" ]
	[ "$stderr" = "gpipe: many.log: 19 records longer than --max-record 10 bytes skipped (first at line 11, 11 bytes)" ]
}

@test "a diagnostic naming a long path keeps its reason (no length cap)" {
	long=$T
	for i in 1 2 3 4 5 6; do long=$long/$(printf 'd%.0s' {1..200}); done
	run --separate-stderr "$GPIPE" count "$long/app.log"
	[ "$status" -eq 2 ]
	[ "$stderr" = "gpipe: cannot open '$long/app.log': No such file or directory" ]
}

@test "a tree deeper than PATH_MAX is walked (openat), names shown whole; out of descriptors is reported" {
	python3 -c '
import os
name = "n" * 200
fd = os.open(".", os.O_RDONLY)
os.mkdir("deep", dir_fd=fd)
for part in ["deep"] + [name] * 40:
    if part != "deep":
        os.mkdir(part, dir_fd=fd)
    nfd = os.open(part, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
    if part != "deep":
        f = os.open("mid.log", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(f, b"mid\n")
        os.close(f)
f = os.open("bottom.log", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(f, b"deep ERROR here\nok\n")
os.close(f)
'
	long=deep
	for i in $(seq 40); do long=$long/$(printf 'n%.0s' {1..200}); done
	[ "${#long}" -gt 4096 ]
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' deep
	out_is 0 "$long/bottom.log:1:deep ERROR here"
	run --separate-stderr "$GPIPE" count deep
	[ "$output" = "42" ]
	# One descriptor per level: with too few, the subtree is reported.
	run --separate-stderr bash -c 'ulimit -n 24 && exec "$0" -H "grep ERROR" deep' "$GPIPE"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ $stderr == "gpipe: cannot "*"$(printf 'n%.0s' {1..200})"*"': Too many open files" ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}
