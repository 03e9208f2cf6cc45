#!/usr/bin/env bats
# Differential tests of the grep stage against GNU grep (LC_ALL=C grep -a -E,
# -P for PCRE-only syntax, -F for fixed strings): same bytes on stdout, same
# exit status, nothing on stderr. Fixtures are generated into the test's tmpdir.

bats_require_minimum_version 1.5.0
load helpers

# The realistic log: mixed case, words, punctuation, empty lines, a line of
# only spaces, CRLF lines, NUL bytes, invalid UTF-8, long lines (one longer
# than the 256 KiB read block) and a last line without a newline.
make_log() {
	{
		printf '2024-01-15 10:00:01 INFO  server started on port 8080\n'
		printf '2024-01-15 10:00:02 DEBUG config loaded: /etc/app/app.conf (42 keys)\n'
		printf '2024-01-15 10:00:03 WARN  disk usage at 91%%\n'
		printf '2024-01-15 10:00:04 ERROR connection refused: db01:5432\n'
		printf '2024-01-15 10:00:05 error retrying in 5s (attempt 2/5)\n'
		printf '2024-01-15 10:00:06 Error: Timeout after 30000ms\n'
		printf '\n'
		printf '2024-01-15 10:00:07 INFO  user_id=1234 login ok\n'
		printf '      \n'
		printf '2024-01-15 10:00:08 INFO  request GET /api/v1/users?id=7&sort=asc 200 12ms\n'
		printf 'foobar foo\n'
		printf 'foo_bar foobar\n'
		printf 'foo-bar (foo) [foo]\n'
		printf 'barfoo foo2 2foo\n'
		printf 'a.b axb a\\b [x] x\n'
		printf 'quoted \\Qa.b\\E and a\\Eb\n'
		printf 'a b\ta\tb\n'
		printf 'ends with a\n'
		printf 'b starts this line\n'
		printf 'line with CRLF ERROR\r\n'
		printf 'crlf only\r\n'
		printf '\r\n'
		printf 'contains\000nul ERROR byte\n'
		printf '\000\n'
		printf 'invalid utf8 \377\303 here ERROR\n'
		printf 'caf\303\251 latin1 caf\351\n'
		printf 'UPPER lower MiXeD error ERROR Error\n'
		printf 'xxxx\n'
		printf 'XXXX\n'
		printf 'aaa\n'
		printf 'ab\n'
		printf 'ab abc abcd\n'
		printf 'x\n'
		printf 'LONG:'; head -c 70000 /dev/zero | tr '\0' x; printf ' foo ERROR\n'
		printf 'HUGE: foo '; head -c 300000 /dev/zero | tr '\0' y; printf ' END ERROR\n'
		printf '\n'
		printf '\t \n'
		printf 'last line without newline ERROR'
	} >"$1"
}

# Over 3 MiB, more than a dozen 256 KiB blocks, with NEEDLE on every 97th
# line and on the lines that straddle a multiple of 256 KiB, and an empty
# line every 1000. A lower-case letter ends many lines and a digit starts
# every line, so `[a-z]\s[0-9]` can only match across a line end.
make_big() {
	awk -v B=262144 'BEGIN {
		pad = "abcdefghij klmnopqrst uvwxyz ABCDEFGHIJ KLMNOPQRST UVWXYZ 0123456789 "
		pad = pad pad pad
		off = 0
		for (i = 1; off < 3 * 1048576 + 12345; i++) {
			line = sprintf("%d %s", i, substr(pad, 1 + (i % 13), (i * 37) % 150))
			if (i % 97 == 0) line = line " NEEDLE"
			if (int(off / B) != int((off + length(line) + 1) / B)) line = "NEEDLE " line "NEEDLE"
			if (i % 1000 == 0) line = ""
			print line
			off += length(line) + 1
		}
	}' >"$1"
}

setup() {
	unset GREP_COLORS GREP_COLOR GREP_OPTIONS
	LOG=$BATS_TEST_TMPDIR/app.log
	make_log "$LOG"
	cases_begin
}

# gq WORD: WORD quoted for a gpipe expression.
gq() {
	local s=$1
	if [[ $s != *"'"* ]]; then
		printf "'%s'" "$s"
	else
		s=${s//\\/\\\\}
		s=${s//\"/\\\"}
		printf '"%s"' "$s"
	fi
}

# check MODE GOPTS FILE GREP-ARG...: runs
#   gpipe GOPTS 'grep GREP-ARG...' FILE     and     grep -a MODE GOPTS GREP-ARG... FILE
# and records a named failure if stdout bytes, exit status differ or gpipe
# wrote to stderr. MODE is -E, -P or '' (when GREP-ARG has -F).
check() {
	local mode=$1 gopts=$2 file=$3
	shift 3
	local expr=grep a prev= grc=0 rrc=0
	for a in "$@"; do
		if [[ $prev != -e && $a =~ ^-[a-zA-Z]+$ ]]; then
			expr+=" $a"
		else
			expr+=" $(gq "$a")"
		fi
		prev=$a
	done
	NCASES=$((NCASES + 1))
	local name="case $NCASES: gpipe $gopts \"$expr\" vs grep -a $mode $gopts $(printf '%q ' "$@")"
	local o=$BATS_TEST_TMPDIR
	# shellcheck disable=SC2086
	"$GPIPE" $gopts "$expr" "$file" >"$o/gp.out" 2>"$o/gp.err" || grc=$?
	# shellcheck disable=SC2086
	grep -a $mode $gopts "$@" "$file" >"$o/gr.out" 2>"$o/gr.err" || rrc=$?
	if [ -s "$o/gr.err" ]; then
		case_fail "$name: the reference grep failed: $(head -c 300 "$o/gr.err")"
		return 0
	fi
	if ! cmp -s "$o/gp.out" "$o/gr.out"; then
		case_fail "$name: stdout differs (grep $(wc -c <"$o/gr.out") bytes, gpipe $(wc -c <"$o/gp.out") bytes); first differing lines, < grep > gpipe:
$(diff <(cut -c1-200 "$o/gr.out" | cat -v) <(cut -c1-200 "$o/gp.out" | cat -v) | head -n 8)"
	fi
	if [ "$grc" != "$rrc" ]; then
		case_fail "$name: exit status $grc, grep's is $rrc"
	fi
	if [ -s "$o/gp.err" ]; then
		case_fail "$name: unexpected stderr: $(head -c 300 "$o/gp.err")"
	fi
}

@test "grep: the fixture has what the cases rely on" {
	# Guards against a generator change that would make the cases vacuous.
	[ "$(grep -c '' "$LOG")" -eq 40 ]
	[ "$(tr -cd '\000' <"$LOG" | wc -c)" -eq 2 ]
	[ "$(tr -cd '\r' <"$LOG" | wc -c)" -eq 3 ]
	[ "$(tail -c 6 "$LOG")" = " ERROR" ]
	[ "$(awk 'length > 262144' "$LOG" | wc -l)" -eq 1 ]
}

@test "grep: literals, regexes, anchors and alternation match GNU grep" {
	check -E '' "$LOG" ERROR
	check -E '' "$LOG" error
	check -E '' "$LOG" 2024
	check -E '' "$LOG" foo
	check -E '' "$LOG" nothing-like-this
	check -E '' "$LOG" 'E'
	check -E '' "$LOG" '[0-9]{2}:[0-9]{2}:0[1-5]'
	check -E '' "$LOG" 'user_id=[0-9]+'
	check -E '' "$LOG" '(foo|bar)+ '
	check -E '' "$LOG" '[[:upper:]]{4,}'
	check -E '' "$LOG" 'a.b'
	check -E '' "$LOG" 'x+'
	check -E '' "$LOG" 'y{1000}'
	check -E '' "$LOG" 'END ERROR$'
	check -E '' "$LOG" '^2024'
	check -E '' "$LOG" '^foo'
	check -E '' "$LOG" 'ms$'
	check -E '' "$LOG" 'ERROR$'
	check -E '' "$LOG" 'ERROR.$'
	check -E '' "$LOG" '^$'
	check -E '' "$LOG" '^'
	check -E '' "$LOG" '$'
	check -E '' "$LOG" '^ +$'
	check -E '' "$LOG" '^\s*$'
	check -E '' "$LOG" 'ERROR|WARN'
	check -E '' "$LOG" 'INFO|^x$|keys\)$'
	check -E '' "$LOG" 'newline ERROR$'
	check -E '' "$LOG" '.'
	check -E '' "$LOG" 'nul'
	check -E '' "$LOG" 'contains.nul'
	check -E '' "$LOG" $'\377\303'
	check -E '' "$LOG" 'caf.'
	check -E '' "$LOG" $'caf\351'
	check -E '' "$LOG" '\\'
	check -E '' "$LOG" '\[x\]'
	check -P '' "$LOG" '\d{4}-\d{2}-\d{2}'
	check -P '' "$LOG" '(?<=id=)\d+'
	check -P '' "$LOG" 'foo(?!bar)'
	check -P '' "$LOG" '(?<![a-z])foo\b'
	check -P '' "$LOG" '\bfoo\b'
	check -P '' "$LOG" '^(?:(?!ERROR).)*$'
	check -P '' "$LOG" '\x00'
	check -P '' "$LOG" '\r$'
	check -P '' "$LOG" '(?i)mixed'
	report_fails
}

@test "grep: patterns that could match across lines in a buffer stay within one line" {
	check -E '' "$LOG" 'a\sb'
	check -E '' "$LOG" 'a\s+b'
	check -E '' "$LOG" 'a[^x]b'
	check -E '' "$LOG" '[^x]+'
	check -E '' "$LOG" '^[^x]*$'
	check -E '' "$LOG" 'ERROR\s*$'
	check -E '' "$LOG" 'ERROR\s+[a-z]'
	check -E '' "$LOG" '^$'
	check -E '' "$LOG" 'a$'
	check -E '' "$LOG" '^b'
	check -P '' "$LOG" 'a\s*\n?b starts'
	check -P '' "$LOG" 'a[\s\S]b starts'
	check -P '' "$LOG" '\Ab'
	check -P '' "$LOG" 'a\z'
	check -P '' "$LOG" 'a\Z'
	check -E '' "$LOG" -v '[^x]+'
	check -E '' "$LOG" -x '[^x]*'
	report_fails
}

@test "grep: -i -v -w -x and their combinations match GNU grep" {
	check -E '' "$LOG" -i error
	check -E '' "$LOG" -i 'e[r]+or'
	check -E '' "$LOG" -i mixed
	check -E '' "$LOG" -i xxxx
	check -E '' "$LOG" -i $'CAF\303\251'
	check -E '' "$LOG" -v ERROR
	check -E '' "$LOG" -v -i error
	check -E '' "$LOG" -v ''
	check -E '' "$LOG" -v '^$'
	check -E '' "$LOG" -v .
	check -E '' "$LOG" -w foo
	check -E '' "$LOG" -w bar
	check -E '' "$LOG" -w 'foo|foobar'
	check -E '' "$LOG" -w 'foo.*'
	check -E '' "$LOG" -w 'fo+'
	check -E '' "$LOG" -w '[0-9]foo'
	check -E '' "$LOG" -w 'foo[0-9]'
	check -E '' "$LOG" -w ERROR
	check -E '' "$LOG" -w error
	check -E '' "$LOG" -w -i error
	check -E '' "$LOG" -w caf
	check -E '' "$LOG" -w x
	check -E '' "$LOG" -w 'a'
	check -E '' "$LOG" -w 'ab|abc'
	check -E '' "$LOG" -w '0?8'
	check -E '' "$LOG" -w 'o'
	check -E '' "$LOG" -w -v foo
	check -E '' "$LOG" -x xxxx
	check -E '' "$LOG" -x 'x+'
	check -E '' "$LOG" -x -i xxxx
	check -E '' "$LOG" -x 'crlf only'
	check -E '' "$LOG" -x 'crlf only.'
	check -E '' "$LOG" -x ''
	check -E '' "$LOG" -x ' *'
	check -E '' "$LOG" -x '\s+'
	check -E '' "$LOG" -x '.'
	check -E '' "$LOG" -x 'a|ab'
	check -E '' "$LOG" -x 'foo'
	check -E '' "$LOG" -x 'foo.*'
	check -E '' "$LOG" -x -v '.*ERROR.*'
	check -E '' "$LOG" -x -w 'a+'
	report_fails
}

@test "grep: -w finds a later whole word after a non-word occurrence on the same line" {
	local f=$BATS_TEST_TMPDIR/w.txt
	printf 'foobar foo\nfoo_ foo\n_foo\nfoofoo\n2foo foo3\nfoo\nxfoo-foox\n(foo)\nfoo\r\nbar foobar\n' >"$f"
	run --separate-stderr "$GPIPE" 'grep -w foo' "$f"
	out_is 0 "$(printf 'foobar foo\nfoo_ foo\nfoo\n(foo)\nfoo\r')"
	check -E '' "$f" -w foo
	check -E '' "$f" -w -o foo
	check -E '' "$f" -w 'fo*'
	check -E '' "$f" -w -o 'fo*'
	check '' '' "$f" -w -F foo
	report_fails
}

@test "grep: -F takes regex metacharacters literally" {
	check '' '' "$LOG" -F 'a.b'
	check '' '' "$LOG" -F '[x]'
	check '' '' "$LOG" -F '\E'
	check '' '' "$LOG" -F 'a\Eb'
	check '' '' "$LOG" -F '\Qa.b\E'
	check '' '' "$LOG" -F '\'
	check '' '' "$LOG" -F 'a\b'
	check '' '' "$LOG" -F '.*'
	check '' '' "$LOG" -F '(foo)'
	check '' '' "$LOG" -F '91%'
	check '' '' "$LOG" -F '?id=7&'
	check '' '' "$LOG" -F '^foo'
	check '' '' "$LOG" -F 'ERROR$'
	check '' '' "$LOG" -F ''
	check '' '' "$LOG" -F -i error
	check '' '' "$LOG" -F -i 'XxXx'
	check '' '' "$LOG" -F -i $'\377\303'
	check '' '' "$LOG" -F -x xxxx
	check '' '' "$LOG" -F -x -i xxxx
	check '' '' "$LOG" -F -w foo
	check '' '' "$LOG" -F -w -i ERROR
	check '' '' "$LOG" -F -v ERROR
	check '' '' "$LOG" -F -o a.b
	check '' '' "$LOG" -F -e '[x]' -e 'a.b'
	check '' '' "$LOG" -F -e foo -e ERROR
	check '' '' "$LOG" -F $'nul ERROR'
	report_fails
}

@test "grep: -o prints every match, with -i, -w and several -e" {
	check -E '' "$LOG" -o ERROR
	check -E '' "$LOG" -o -i error
	check -E '' "$LOG" -o foo
	check -E '' "$LOG" -o '[0-9]+'
	check -E '' "$LOG" -o '[0-9]{2}'
	check -E '' "$LOG" -o 'x'
	check -E '' "$LOG" -o 'o*'
	check -E '' "$LOG" -o '\b[a-z]+\b'
	check -E '' "$LOG" -o '^[0-9-]+'
	check -E '' "$LOG" -o '[a-z]+$'
	check -E '' "$LOG" -o -w foo
	check -E '' "$LOG" -o -w -i 'error'
	check -E '' "$LOG" -o -x xxxx
	check -E '' "$LOG" -o -e ERROR -e error
	check -E '' "$LOG" -o -i -e foo -e bar
	check -E '' "$LOG" -o 'y+'
	check -P '' "$LOG" -o '\d+(?=ms)'
	check -P '' "$LOG" -o '(?<=caf).'
	report_fails
}

@test "grep: -o with a pattern that only matches empty prints nothing and exits 1" {
	# gpipe's exit status counts records written; grep -o '' exits 0 here.
	run --separate-stderr "$GPIPE" "grep -o ''" "$LOG"
	out_is 1
	run --separate-stderr "$GPIPE" "grep -o 'z*'" "$LOG"
	out_is 1
}

@test "grep: several -e patterns keep a line any of them matches" {
	check -E '' "$LOG" -e ERROR -e WARN
	check -E '' "$LOG" -e ERROR -e error
	check -E '' "$LOG" -e ERROR -e 'ERROR'
	check -E '' "$LOG" -e 'UPPER' -e 'lower' -e 'MiXeD'
	check -E '' "$LOG" -i -e error -e warn
	check -E '' "$LOG" -v -e ERROR -e INFO -e '^$'
	check -E '' "$LOG" -w -e foo -e bar
	check -E '' "$LOG" -x -e xxxx -e aaa
	check -E '' "$LOG" -x -e a -e ab
	check -E '' "$LOG" -e foo -e ''
	check -E '' "$LOG" -e '^x' -e 'x$'
	report_fails
}

@test "grep: -z records (NUL-delimited, newlines inside) match grep -z -P" {
	local z=$BATS_TEST_TMPDIR/z.bin
	printf 'one\ntwo\000three\000\000four\nfive\000ERROR\r\nx\000a\nb\000last\nERROR' >"$z"
	check -P -z "$z" ERROR
	check -P -z "$z" '^two'
	check -P -z "$z" 'one$'
	check -P -z "$z" '^$'
	check -P -z "$z" '^'
	check -P -z "$z" 'one.two'
	check -P -z "$z" 'one\stwo'
	check -P -z "$z" 'a\nb'
	check -P -z "$z" '\n'
	check -P -z "$z" '[^x]+'
	check -P -z "$z" -x 'three'
	check -P -z "$z" -x 'one'
	check -P -z "$z" -w two
	check -P -z "$z" -v ERROR
	check -P -z "$z" -o '[a-z]+'
	check -P '-z -n' "$z" -i error
	check -P '-z -n' "$z" -v e
	check '' -z "$z" -F -e 'e\nf' -e x
	report_fails
}

@test "grep: gpipe -n and -H prefixes match grep -n and -H" {
	local f=$LOG
	check -E -n "$f" ERROR
	check -E -n "$f" ''
	check -E -n "$f" -v ERROR
	check -E -n "$f" -v -i 'error|info'
	check -E -n "$f" '^$'
	check -E -n "$f" -o '[0-9]+'
	check -E -n "$f" -w foo
	check -E -n "$f" 'END ERROR'
	check -E -H "$f" ERROR
	check -E -H "$f" -o ERROR
	check -E '-H -n' "$f" ERROR
	check -E '-H -n' "$f" -v '[a-z]'
	check -E '-H -n' "$f" -o -i 'er+or'
	check '' '-H -n' "$f" -F -e '(foo)' -e 'a.b'
	report_fails
}

@test "grep: -H with several files, and exit status 1 when nothing matches" {
	local a=$BATS_TEST_TMPDIR/a.log b=$BATS_TEST_TMPDIR/b.log
	printf 'one ERROR\ntwo\n' >"$a"
	printf 'three\nfour ERROR\n' >"$b"
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' "$a" "$b"
	out_is 0 "$(grep -H -n ERROR "$a" "$b")"
	[ "$output" = "$a:1:one ERROR
$b:2:four ERROR" ]
	run --separate-stderr "$GPIPE" 'grep nothing' "$a" "$b"
	out_is 1
	run --separate-stderr "$GPIPE" -H 'grep -v ERROR' "$a" "$b"
	[ "$status" -eq 0 ]
	[ "$output" = "$a:two
$b:three" ]
}

@test "grep: an invalid regex is reported with a caret, exit 2, nothing read" {
	run --separate-stderr "$GPIPE" 'grep "a(b"' "$LOG"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ ${stderr%%$'\n'*} == "gpipe: grep: invalid regex 'a(b': "* ]]
	[ "$(sed -n 2p <<<"$stderr")" = '  grep "a(b"' ]
	[ "$(sed -n 3p <<<"$stderr" | tr -d ' ^')" = "" ]
	[[ $(sed -n 3p <<<"$stderr") == *^* ]]
	[ "$(wc -l <<<"$stderr")" -eq 3 ]
	run --separate-stderr "$GPIPE" 'grep -e ERROR -e "[z"' "$LOG"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[[ ${stderr%%$'\n'*} == "gpipe: grep: invalid regex '[z': "* ]]
	run --separate-stderr "$GPIPE" 'grep' "$LOG"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "gpipe: grep: missing PATTERN
  grep
  ^^^^" ]
	run --separate-stderr "$GPIPE" 'grep a b' "$LOG"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "gpipe: grep: unexpected argument 'b' (a second pattern needs -e)
  grep a b
         ^" ]
}

@test "grep: big input (3 MiB, many 256 KiB blocks) matches GNU grep" {
	local big=$BATS_TEST_TMPDIR/big.log
	make_big "$big"
	[ "$(wc -c <"$big")" -gt $((3 * 1048576)) ]
	[ "$(grep -c NEEDLE "$big")" -gt 300 ]
	check -E '' "$big" NEEDLE
	check -E '' "$big" 'NEEDLE$'
	check -E '' "$big" '^NEEDLE'
	check -E '' "$big" '[0-9]{5} [a-z]+ NEEDLE'
	check -E '' "$big" -v NEEDLE
	check -E '' "$big" -v '[a-z]'
	check -E '' "$big" -v ''
	check -E -n "$big" NEEDLE
	check -E -n "$big" -v '[a-z]'
	check -E -n "$big" '^$'
	check -E '' "$big" '[a-z]\s[0-9]'
	check -E '' "$big" -x '[0-9]+ '
	check -E -n "$big" -o NEEDLE
	check -E '' "$big" -w 'xyz'
	check -E '' "$big" -i needle
	check '' '' "$big" -F -e 'NEEDLE' -e 'uvwxyz ABC'
	report_fails
}

@test "grep: a big input whose only match is on the last line, and none at all" {
	local big=$BATS_TEST_TMPDIR/tail.log
	seq 1 400000 >"$big"
	printf 'the MATCH is here\n' >>"$big"
	run --separate-stderr "$GPIPE" -n 'grep MATCH' "$big"
	out_is 0 "400001:the MATCH is here"
	run --separate-stderr "$GPIPE" 'grep NOMATCH' "$big"
	out_is 1
}

@test "grep: --color=always equals grep --color=always byte for byte" {
	local f=$BATS_TEST_TMPDIR/c.log
	printf 'one ERROR two ERROR\nnothing\nfoobar foo\nerror Error ERROR\n\nlast ERROR' >"$f"
	check -E --color=always "$f" ERROR
	check -E --color=always "$f" -i error
	check -E '--color=always -n' "$f" ERROR
	check -E '--color=always -H' "$f" ERROR
	check -E '--color=always -H -n' "$f" ERROR
	check -E '--color=always -H -n' "$f" -i error
	check -E --color=always "$f" -o ERROR
	check -E '--color=always -n' "$f" -o -i error
	check -E --color=always "$f" -w foo
	check -E --color=always "$f" -e ERROR -e foo
	check -E --color=always "$f" -v ERROR
	check -E '--color=always -n' "$f" -v ERROR
	check -E --color=always "$f" ''
	check -E --color=always "$f" 'o*'
	check -E --color=always "$LOG" ERROR
	check -E '--color=always -n' "$LOG" -i 'error|foo'
	report_fails
}

@test "grep: --color writes the SGR sequences grep uses" {
	local f=$BATS_TEST_TMPDIR/c.log
	printf 'a ERROR b\n' >"$f"
	"$GPIPE" --color=always -H -n 'grep ERROR' "$f" >"$BATS_TEST_TMPDIR/out"
	printf '\033[35m\033[K%s\033[m\033[K\033[36m\033[K:\033[m\033[K\033[32m\033[K1\033[m\033[K\033[36m\033[K:\033[m\033[Ka \033[01;31m\033[KERROR\033[m\033[K b\n' "$f" >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/want"
}

@test "grep: no colour into a pipe, with --color=auto, NO_COLOR or --color=never" {
	local f=$BATS_TEST_TMPDIR/c.log
	printf 'a ERROR b\nc\n' >"$f"
	local esc=$'\033'
	run --separate-stderr bash -c '"$0" "grep ERROR" "$1" | cat' "$GPIPE" "$f"
	[ "$status" -eq 0 ]
	[ "$output" = "a ERROR b" ]
	run --separate-stderr bash -c '"$0" --color=auto -n "grep ERROR" "$1" | cat' "$GPIPE" "$f"
	[ "$output" = "1:a ERROR b" ]
	run --separate-stderr bash -c 'NO_COLOR=1 "$0" --color=auto "grep ERROR" "$1" | cat' "$GPIPE" "$f"
	[ "$output" = "a ERROR b" ]
	run --separate-stderr bash -c 'NO_COLOR=1 "$0" --color=always "grep ERROR" "$1" | cat' "$GPIPE" "$f"
	[ "$output" = "a ${esc}[01;31m${esc}[KERROR${esc}[m${esc}[K b" ]
}

@test "grep: on a terminal --color=auto highlights unless NO_COLOR is set or TERM=dumb" {
	command -v script >/dev/null || skip "script(1) is not installed"
	local f=$BATS_TEST_TMPDIR/c.log
	printf 'a ERROR b\n' >"$f"
	local esc=$'\033' cmd
	cmd="$(printf '%q ' "$GPIPE" --color=auto 'grep ERROR' "$f")"
	run --separate-stderr env TERM=xterm script -qec "$cmd" /dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "a ${esc}[01;31m${esc}[KERROR${esc}[m${esc}[K b"$'\r' ]
	run --separate-stderr env TERM=xterm NO_COLOR=1 script -qec "$cmd" /dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "a ERROR b"$'\r' ]
	run --separate-stderr env TERM=dumb script -qec "$cmd" /dev/null
	[ "$status" -eq 0 ]
	[ "$output" = "a ERROR b"$'\r' ]
	cmd="$(printf '%q ' "$GPIPE" --color=never 'grep ERROR' "$f")"
	run --separate-stderr env TERM=xterm script -qec "$cmd" /dev/null
	[ "$output" = "a ERROR b"$'\r' ]
}

@test "grep -f FILE: patterns one a line, as grep -f; an empty file matches nothing" {
	printf 'alpha\nbeta gamma\nGAMMA\ndelta\n\n' > data.log
	printf 'beta\ndelta\n' > p.txt
	run --separate-stderr "$GPIPE" 'grep -f p.txt' data.log
	[ "$status" -eq 0 ] && [ "$output" = "$(grep -f p.txt data.log)" ]
	: > empty.txt
	run --separate-stderr "$GPIPE" 'grep -f empty.txt' data.log
	[ "$status" -eq 1 ] && [ -z "$output" ] && [ -z "$stderr" ]
	run --separate-stderr "$GPIPE" 'grep -v -f empty.txt | count' data.log
	[ "$output" = 5 ]
	# -f and -e together; a file without a final newline
	printf 'alpha' > q.txt
	run --separate-stderr "$GPIPE" 'grep -f q.txt -e GAMMA' data.log
	[ "$output" = "$(printf 'alpha\nGAMMA')" ]
	printf 'ok\n(bad\n' > bad.txt
	diag 'grep -f bad.txt' "gpipe: grep: bad.txt:2: invalid regex '(bad': missing closing parenthesis" \
		'  grep -f bad.txt' '          ^^^^^^^'
	diag 'grep -f nope.txt' "gpipe: grep: cannot read patterns from 'nope.txt': No such file or directory" \
		'  grep -f nope.txt' '          ^^^^^^^^'
}

@test "grep -F -f with a thousand words equals GNU grep (Aho-Corasick), with -i, -w, -x, -v, -o and -c" {
	cd "$BATS_TEST_TMPDIR"
	# Seeded python3, not awk rand(): mawk and gawk draw different numbers.
	# Words share prefixes (w247, w2472), so -o must pick the longest.
	python3 - <<-'EOF'
		import random
		r = random.Random(7)
		with open("words.log", "w") as f:
		    for i in range(20000):
		        n = 1 + r.randrange(8)
		        f.write(" ".join("w%d%s" % (r.randrange(3000), "X" if r.random() < 0.1 else "")
		                         for j in range(n)) + "\n")
		r = random.Random(9)
		with open("set.txt", "w") as f:
		    for i in range(1000):
		        f.write("w%d\n" % r.randrange(30000))
		    f.write("W17x\nNO-SUCH\n")
	EOF
	local f
	for f in "" -i -w -x -v -iw; do
		"$GPIPE" "grep -F $f -f set.txt" words.log > got || [ $? -eq 1 ]
		grep -F $f -f set.txt words.log > want || [ $? -eq 1 ]
		cmp got want || { echo "grep -F $f -f set.txt differs"; return 1; }
	done
	"$GPIPE" 'grep -F -o -f set.txt' words.log > got
	grep -F -o -f set.txt words.log > want
	cmp got want
	[[ $("$GPIPE" --explain 'grep -F -f set.txt' words.log) == *"[aho-corasick, 1002 words,"* ]]
	# Plain words without -F take the same path; -w lines are checked by the regex.
	[[ $("$GPIPE" --explain 'grep -w -f set.txt' words.log) == *"aho-corasick, 1002 words, "*"lines checked by pcre2"* ]]
	run "$GPIPE" 'grep -f set.txt | count' words.log
	[ "$output" = "$(grep -c -f set.txt words.log)" ]
}
