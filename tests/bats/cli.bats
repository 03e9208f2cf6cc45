#!/usr/bin/env bats
# The command line around the expression: --help, `gpipe help STAGE`,
# --version, --list-stages, --explain, bad global options and write errors on
# the informational outputs.

bats_require_minimum_version 1.5.0
load helpers

REPO="$BATS_TEST_DIRNAME/../.."

USAGE="usage: gpipe [OPTIONS] EXPRESSION [FILE...]
       gpipe [OPTIONS] -f EXPRFILE [FILE...]
       gpipe help [STAGE]
Try 'gpipe --help' for more information."

# The global options, from the binary's own table (src/options.c): one a
# line, "LONG SHORT ARG", '-' for none (see docs.bats).
options() {
	"$GPIPE" --dump-options
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	ABSENT="$BATS_TEST_TMPDIR/absent.log"
}

# stages_in_help: the stage names listed in --help, outside the Options
# section and the implicit Input section, one a line.
stages_in_help() {
	"$GPIPE" --help | awk '
		/^[A-Z][^:]*:$/ { sect = $0; next }
		/^$/ { sect = ""; next }
		sect != "" && sect != "Options:" && sect !~ /^Input/ && /^  [a-z]/ { print $1 }'
}

@test "--help: exit 0, usage first, nothing on stderr" {
	run --separate-stderr "$GPIPE" --help
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = 'usage: gpipe [OPTIONS] EXPRESSION [FILE...]' ]
	[ "${lines[1]}" = '       gpipe [OPTIONS] -f EXPRFILE [FILE...]' ]
	[ "${lines[2]}" = '       gpipe help [STAGE]' ]
	[[ $output == *$'\nExit status: 0 if a record was written, 1 if none, 2 on any error.\n'* ]]
}

@test "--help lists every global option" {
	run --separate-stderr "$GPIPE" --help
	[ "$status" -eq 0 ]
	local o short arg n=0
	while read -r o short arg; do
		grep -Eq -- "^  (-[a-zA-Z], |    )--$o([[ ]|\$)" <<<"$output" ||
			{ echo "option --$o not in --help"; return 1; }
		n=$((n + 1))
	done < <(options)
	[ "$n" -ge 19 ]
	grep -q -- '^  -f, --file FILE ' <<<"$output"
	grep -q -- '^      --max-record SIZE ' <<<"$output"
	grep -q -- '^      --color\[=WHEN\] ' <<<"$output"
}

@test "--help lists every stage of --list-stages, and only those" {
	run --separate-stderr "$GPIPE" --list-stages
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	local listed
	listed=$(stages_in_help | sort)
	[ -n "$listed" ]
	if [ "$(printf '%s\n' "${lines[@]}" | sort)" != "$listed" ]; then
		echo "--list-stages:"; printf '%s\n' "${lines[@]}"
		echo "--help:"; echo "$listed"
		return 1
	fi
}

@test "-h and 'gpipe help' print the same as --help" {
	"$GPIPE" --help > want
	"$GPIPE" -h > h
	"$GPIPE" help > helpcmd
	cmp want h
	cmp want helpcmd
}

@test "--list-stages: one name a line, no duplicates, implicit stages left out" {
	run --separate-stderr "$GPIPE" --list-stages
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "${#lines[@]}" -ge 8 ]
	local s
	for s in "${lines[@]}"; do
		[[ $s =~ ^[a-z][a-z0-9_-]*$ ]] || { echo "bad line '$s'"; return 1; }
	done
	[ -z "$(printf '%s\n' "${lines[@]}" | sort | uniq -d)" ]
	for s in grep head tail skip upper lower trim count; do
		printf '%s\n' "${lines[@]}" | grep -qx "$s" || { echo "$s missing"; return 1; }
	done
	! printf '%s\n' "${lines[@]}" | grep -qx -e read -e lines
	# The implicit stages are still in --help.
	"$GPIPE" --help | grep -q '^  read FILE\.\.\. '
	"$GPIPE" --help | grep -q '^  lines '
}

@test "gpipe help grep: synopsis, options, examples" {
	run --separate-stderr "$GPIPE" help grep
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "${lines[0]}" = 'grep [-ivwxFobclL] [-m NUM] [-A NUM] [-B NUM] [-C NUM] [-e PATTERN]... [-f FILE]... [PATTERN] (filter): keep records matching a PCRE2 regex or fixed string' ]
	local l
	for l in 'Options:' \
		'  -i           ignore ASCII case' \
		'  -v           keep the records that do not match' \
		'  -w           match whole words only' \
		'  -x           match whole records only' \
		'  -F           patterns are fixed strings, not regexes' \
		'  -o           output each match as a record of its own' \
		'  -e PATTERN   a pattern; repeat for several (any may match)' \
		'Examples:' \
		"  gpipe 'grep ERROR'" \
		'      lines containing ERROR'; do
		printf '%s\n' "${lines[@]}" | grep -qxF -- "$l" || { echo "missing line: '$l'"; return 1; }
	done
	# Options come before Examples.
	[[ $output == *'Options:'*'Examples:'* ]]
}

@test "gpipe help STAGE works for every stage" {
	local s
	for s in $("$GPIPE" --list-stages); do
		run --separate-stderr "$GPIPE" help "$s"
		[ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "help $s: $status $stderr"; return 1; }
		[[ ${lines[0]} == "$s"*" ("*"): "* ]] || { echo "help $s: ${lines[0]}"; return 1; }
	done
}

@test "every example in 'gpipe help' is one shell word that gpipe accepts" {
	local s line n
	for s in $("$GPIPE" --list-stages); do
		while IFS= read -r line; do
			[[ $line == "  gpipe "* ]] || continue
			# Split the example as a shell would (no globbing, no expansions
			# besides quote removal: a $ or backquote only inside one
			# single-quoted word, where the shell leaves it alone).
			[[ $line =~ ^"  gpipe '"[^\']*"'"$ || ($line != *'$'* && $line != *'`'*) ]]
			n=$(set -f; eval "set -- ${line#  gpipe }"; echo "$#")
			[ "$n" -eq 1 ] || { echo "help $s: '$line' is $n shell words"; return 1; }
			local expr
			expr=$(set -f; eval "set -- ${line#  gpipe }"; printf '%s' "$1")
			run --separate-stderr "$GPIPE" --explain "$expr" "$ABSENT"
			[ "$status" -eq 0 ] || { echo "help $s: '$expr': $stderr"; return 1; }
		done < <("$GPIPE" help "$s")
	done
}

@test "gpipe help nosuch: message, exit 2" {
	run --separate-stderr "$GPIPE" help nosuch
	fails_with "gpipe: unknown stage 'nosuch'"
	run --separate-stderr "$GPIPE" help uper
	fails_with "gpipe: unknown stage 'uper' (did you mean 'upper'?)"
}

@test "gpipe help with two stages separates them by a blank line" {
	"$GPIPE" help head > head.txt
	"$GPIPE" help tail > tail.txt
	"$GPIPE" help head tail > both.txt
	{ cat head.txt; echo; cat tail.txt; } | cmp - both.txt
}

@test "--version: gpipe X.Y.Z, the Makefile's VERSION" {
	run --separate-stderr "$GPIPE" --version
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[[ $output =~ ^gpipe\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	local v
	v=$(sed -n 's/^VERSION *:= *//p' "$REPO/Makefile")
	[ "$output" = "gpipe $v" ]
	run --separate-stderr "$GPIPE" -V
	[ "$output" = "gpipe $v" ]
}

@test "--explain prints the chain with resolved arguments" {
	printf 'plain\n' > a.log
	run --separate-stderr "$GPIPE" --explain 'grep -i "ERR|WARN" | upper | head -n 5' a.log b.log
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "${#lines[@]}" -eq 9 ]
	[ "${lines[0]}" = 'read     a.log b.log  [blocks of 256 KiB]' ]
	[ "${lines[1]}" = 'input    a.log: read → lines' ]
	[ "${lines[2]}" = 'input    b.log: read → (cannot open: No such file or directory)' ]
	[ "${lines[3]}" = "lines    delimiter '\\n', max record 64 MiB" ]
	[[ ${lines[4]} == "grep     -i 'ERR|WARN'  ["*"]" ]]
	[ "${lines[5]}" = 'upper' ]
	[ "${lines[6]}" = 'head     5' ]
	[ "${lines[7]}" = 'output   text' ]
	# How -j shares it out (jobs.bats checks the line itself).
	[[ ${lines[8]} == "jobs     "* ]]
}

@test "--explain with options, several patterns and standard input" {
	run --separate-stderr "$GPIPE" --explain -H -n -z --max-record 1K 'grep -v -e a -e b | tail 3 | count'
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "${lines[0]}" = 'read     (standard input)  [blocks of 256 KiB]' ]
	[ "${lines[1]}" = 'lines    delimiter NUL, max record 1 KiB' ]
	[[ ${lines[2]} == "grep     -v -e 'a' -e 'b'  ["*"]" ]]
	[ "${lines[3]}" = 'tail     3' ]
	[ "${lines[4]}" = 'count' ]
	[ "${lines[5]}" = 'output   text, origin prefix, line numbers' ]
	[ "${lines[6]}" = 'jobs     1 thread (standard input is read as it comes)' ]
	run --separate-stderr "$GPIPE" --explain --max-record 1536 upper -
	[ "${lines[0]}" = 'read     (standard input)  [blocks of 256 KiB]' ]
	[ "${lines[1]}" = "lines    delimiter '\\n', max record 1536 bytes" ]
	run --separate-stderr "$GPIPE" --explain --max-record 2g upper
	[ "${lines[1]}" = "lines    delimiter '\\n', max record 2 GiB" ]
}

@test "--explain reads nothing: a FIFO nobody writes to, a missing file" {
	mkfifo fifo
	run --separate-stderr timeout -k 5 20 "$GPIPE" --explain 'grep ERROR | upper' fifo "$ABSENT"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "read     fifo $ABSENT  [blocks of 256 KiB]" ]
	[ "${lines[1]}" = "input    fifo: read → (detected when read) → lines" ]
	[ "${lines[2]}" = "input    $ABSENT: read → (cannot open: No such file or directory)" ]
	[ "${lines[5]}" = 'upper' ]
}

@test "--explain still rejects a bad expression" {
	run --separate-stderr "$GPIPE" --explain 'grep ERROR | uper' "$ABSENT"
	fails_with \
		"gpipe: unknown stage 'uper' (did you mean 'upper'?)" \
		'  grep ERROR | uper' \
		'               ^^^^'
}

@test "bad global option: usage on stderr, exit 2" {
	run --separate-stderr "$GPIPE" --bogus 'upper' "$ABSENT"
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[[ ${stderr_lines[0]} == *"unrecognized option '--bogus'" ]]
	[ "$(printf '%s\n' "${stderr_lines[@]:1}")" = "$USAGE" ]
	run --separate-stderr "$GPIPE" -q 'upper' "$ABSENT"
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[[ ${stderr_lines[0]} == *"invalid option -- 'q'" ]]
	[ "$(printf '%s\n' "${stderr_lines[@]:1}")" = "$USAGE" ]
	run --separate-stderr "$GPIPE" upper --max-record
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[[ ${stderr_lines[0]} == *"option '--max-record' requires an argument" ]]
}

@test "getopt knows every option of the table, by long name and by letter" {
	local o short arg n=0
	while read -r o short arg; do
		# Alone, each prints, asks for its argument or for the expression:
		# never "unrecognized".
		run --separate-stderr "$GPIPE" "--$o" < /dev/null
		[[ $stderr != *unrecognized* && $stderr != *invalid\ option* ]] ||
			{ echo "--$o: $stderr"; return 1; }
		case $arg in
		-) [[ $stderr != *"requires an argument"* ]] ;;
		'['*) [[ $stderr != *"requires an argument"* ]] ;;
		*) [[ $stderr == "gpipe: option '--$o' requires an argument"* ]] ;;
		esac || { echo "--$o ($arg): $stderr"; return 1; }
		if [ "$short" != - ]; then
			run --separate-stderr "$GPIPE" "-$short" < /dev/null
			[[ $stderr != *"invalid option"* ]] || { echo "-$short: $stderr"; return 1; }
		fi
		n=$((n + 1))
	done < <(options)
	[ "$n" -ge 19 ]
	# The hidden ones work too.
	run --separate-stderr "$GPIPE" --dump-options
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[[ $output == *$'\nlist-stages - -\n'* ]]
}

@test "bad global option: the message starts with 'gpipe:' like every other" {
	run --separate-stderr "$GPIPE" --bogus 'upper' "$ABSENT"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "gpipe: unrecognized option '--bogus'" ]
}

@test "no expression: usage on stderr, exit 2" {
	run --separate-stderr "$GPIPE"
	fails_with "$USAGE"
	run --separate-stderr "$GPIPE" -n -H
	fails_with "$USAGE"
}

@test "--color: bad value; good values accepted" {
	run --separate-stderr "$GPIPE" --color=bogus upper "$ABSENT"
	fails_with "gpipe: invalid --color value 'bogus' (want auto, always or never)"
	run --separate-stderr "$GPIPE" --colour=sometimes upper "$ABSENT"
	fails_with "gpipe: invalid --color value 'sometimes' (want auto, always or never)"
	local v
	for v in --color --color=auto --color=always --color=never --colour=never; do
		run --separate-stderr "$GPIPE" --explain "$v" upper
		[ "$status" -eq 0 ] || { echo "$v: $stderr"; return 1; }
	done
}

@test "--max-record: 0, xyz and too large are errors" {
	run --separate-stderr "$GPIPE" --max-record 0 upper "$ABSENT"
	fails_with "gpipe: invalid --max-record '0' (want a size like 512K, 64M or 1G)"
	run --separate-stderr "$GPIPE" --max-record xyz upper "$ABSENT"
	fails_with "gpipe: invalid --max-record 'xyz' (want a size like 512K, 64M or 1G)"
	run --separate-stderr "$GPIPE" --max-record=2T upper "$ABSENT"
	fails_with "gpipe: invalid --max-record '2T' (want a size like 512K, 64M or 1G)"
	run --separate-stderr "$GPIPE" --max-record -1 upper "$ABSENT"
	fails_with "gpipe: invalid --max-record '-1' (want a size like 512K, 64M or 1G)"
	run --separate-stderr "$GPIPE" --max-record 10Q upper "$ABSENT"
	fails_with "gpipe: invalid --max-record '10Q' (want a size like 512K, 64M or 1G)"
}

@test "--max-record: suffixes K, M, G, KiB" {
	local v want
	for v in 512K:'512 KiB' 64M:'64 MiB' 1G:'1 GiB' 4KiB:'4 KiB' 2kb:'2 KiB' 100:'100 bytes'; do
		want=${v#*:}
		run --separate-stderr "$GPIPE" --explain --max-record "${v%%:*}" upper
		[ "$status" -eq 0 ] || { echo "$v: $stderr"; return 1; }
		[ "${lines[1]}" = "lines    delimiter '\\n', max record $want" ] || { echo "$v: ${lines[1]}"; return 1; }
	done
}

@test "--dump-completion with an unknown shell" {
	run --separate-stderr "$GPIPE" --dump-completion ksh
	fails_with "gpipe: unknown shell 'ksh' (want bash, zsh or fish)"
}

@test "informational output to /dev/full: write error, exit 2" {
	[ -w /dev/full ] || skip "no /dev/full"
	local args
	for args in '--help' 'help' 'help grep' '--version' '--list-stages' '--dump-man' \
		'--dump-completion bash' '--explain upper'; do
		# shellcheck disable=SC2086
		run --separate-stderr "$GPIPE" $args
		[ "$status" -eq 0 ] || { echo "$args: status $status to a file"; return 1; }
		run --separate-stderr bash -c '"$@" > /dev/full' _ "$GPIPE" $args
		[ "$status" -eq 2 ] || { echo "$args: status $status"; return 1; }
		[ "$stderr" = 'gpipe: write error: No space left on device' ] ||
			{ echo "$args: stderr '$stderr'"; return 1; }
	done
}

@test "--explain names the output format and what -H and -n add to it" {
	run --separate-stderr "$GPIPE" --explain -o csv -Hn json -
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "${lines[-2]}" = 'output   csv (a header, then a row a record), _file and _member fields, a _line field' ]
	run --separate-stderr "$GPIPE" --explain -o json json -
	[ "${lines[-2]}" = 'output   json (JSON Lines of the fields)' ]
	run --separate-stderr "$GPIPE" --explain -o tsv -n json -
	[ "${lines[-2]}" = 'output   tsv (a header, then a row a record), a _line field' ]
}
