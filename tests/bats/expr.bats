#!/usr/bin/env bats
# The expression language: quoting, options, -f files, and every parse or
# argument error with its exact message and caret underline. A bad expression
# must fail with exit 2 and empty stdout before any input is opened: the
# input named is a file that does not exist (an attempt to read it would add a
# "cannot open" line to the exact stderr), or a FIFO nobody writes to (an
# attempt to open it would block until the timeout).

bats_require_minimum_version 1.5.0
load helpers

# explained_pattern EXPR: the text between the quotes of the grep line of
# --explain (the pattern as the matcher receives it).
explained_pattern() {
	run --separate-stderr "$GPIPE" --explain "$1" "$ABSENT"
	[ "$status" -eq 0 ] || { echo "explain failed: $status $stderr"; return 1; }
	local line l
	for l in "${lines[@]}"; do [[ $l == "grep "* ]] && line=$l; done
	[[ $line == "grep     '"*"'  ["*"]" ]] || { echo "grep line: $line"; return 1; }
	line=${line#"grep     '"}
	pattern=${line%"'  ["*}
}

# --- unknown stages --------------------------------------------------------

@test "unknown stage with a close name: suggestion and caret under the name" {
	diag 'grep ERROR | uper' \
		"gpipe: unknown stage 'uper' (did you mean 'upper'?)" \
		'  grep ERROR | uper' \
		'               ^^^^'
}

@test "unknown stage: transposition and first-stage suggestions" {
	diag 'hed 3' \
		"gpipe: unknown stage 'hed' (did you mean 'head'?)" \
		'  hed 3' \
		'  ^^^'
	diag 'upper | gerp x' \
		"gpipe: unknown stage 'gerp' (did you mean 'grep'?)" \
		'  upper | gerp x' \
		'          ^^^^'
}

@test "unknown stage with no close name points to --list-stages" {
	diag 'grep ERROR | frobnicate' \
		"gpipe: unknown stage 'frobnicate' (gpipe --list-stages lists them)" \
		'  grep ERROR | frobnicate' \
		'               ^^^^^^^^^^'
}

@test "implicit stages cannot be typed" {
	diag 'lines | upper' \
		"gpipe: 'lines' is implicit: gpipe puts it in front of every chain; name the inputs after the expression" \
		'  lines | upper' \
		'  ^^^^^'
	diag 'read | upper' \
		"gpipe: 'read' is implicit: gpipe puts it in front of every chain; name the inputs after the expression" \
		'  read | upper' \
		'  ^^^^'
}

@test "stage names are case-sensitive, and a wrong case gets the right name" {
	diag 'UPPER' \
		"gpipe: unknown stage 'UPPER' (did you mean 'upper'?)" \
		'  UPPER' \
		'  ^^^^^'
}

@test "a tab before the faulty word is kept in the caret line" {
	diag $'grep a |\tuper' \
		"gpipe: unknown stage 'uper' (did you mean 'upper'?)" \
		$'  grep a |\tuper' \
		$'          \t^^^^'
}

@test "a newline separates stages on the command line; the caret line is the faulty line" {
	diag $'grep a\nuper' \
		"gpipe: unknown stage 'uper' (did you mean 'upper'?)" \
		'  uper' \
		'  ^^^^'
}

# --- options ---------------------------------------------------------------

@test "unknown option" {
	diag 'grep -q x' \
		"gpipe: grep: unknown option '-q'" \
		'  grep -q x' \
		'       ^^'
}

@test "unknown option bundled with a good one: caret under the bad letter" {
	diag 'grep -iq x' \
		"gpipe: grep: unknown option '-q'" \
		'  grep -iq x' \
		'         ^'
}

@test "unknown long option" {
	diag 'head --foo 1' \
		"gpipe: head: unknown option '--foo'" \
		'  head --foo 1' \
		'       ^^^^^'
}

@test "a negative number is a count, as in coreutils (head -5)" {
	printf '1\n2\n3\n4\n5\n6\n' > in
	run --separate-stderr "$GPIPE" 'tail -2' in
	ok_out $'5\n6'
	run --separate-stderr "$GPIPE" 'head -2 | skip -1' in
	ok_out '2'
	diag 'tail -5x' \
		"gpipe: tail: unknown option '-5'" \
		'  tail -5x' \
		'       ^^'
}

@test "stages without arguments reject option-like words" {
	diag 'upper -x' \
		"gpipe: upper: unknown option '-x'" \
		'  upper -x' \
		'        ^^'
}

# --- missing and extra arguments ------------------------------------------

@test "missing pattern" {
	diag 'grep' \
		'gpipe: grep: missing PATTERN' \
		'  grep' \
		'  ^^^^'
	diag 'grep -i -v' \
		'gpipe: grep: missing PATTERN' \
		'  grep -i -v' \
		'  ^^^^'
}

@test "missing count" {
	diag 'head' \
		'gpipe: head: missing N' \
		'  head' \
		'  ^^^^'
	diag 'grep x | tail' \
		'gpipe: tail: missing N' \
		'  grep x | tail' \
		'           ^^^^'
}

@test "option missing its argument" {
	diag 'grep -e' \
		"gpipe: grep: option '-e' needs an argument (PATTERN)" \
		'  grep -e' \
		'       ^^'
	diag 'upper | head -n' \
		"gpipe: head: option '-n' needs an argument (N)" \
		'  upper | head -n' \
		'               ^^'
}

@test "extra arguments" {
	diag 'head 1 2' \
		"gpipe: head: unexpected argument '2'" \
		'  head 1 2' \
		'         ^'
	diag 'upper x' \
		"gpipe: upper: unexpected argument 'x'" \
		'  upper x' \
		'        ^'
	diag 'grep a b' \
		"gpipe: grep: unexpected argument 'b' (a second pattern needs -e)" \
		'  grep a b' \
		'         ^'
	diag 'count x' \
		"gpipe: count: unexpected argument 'x'" \
		'  count x' \
		'        ^'
	diag 'head -n 1 2' \
		"gpipe: head: unexpected argument '2'" \
		'  head -n 1 2' \
		'            ^'
}

@test "count by KEY, with a KEY missing after the comma" {
	diag 'count by host,' \
		"gpipe: count: expected a value after ','" \
		'  count by host,' \
		'               ^'
}

@test "invalid counts" {
	diag 'head abc' \
		"gpipe: head: invalid count 'abc' (want a whole number)" \
		'  head abc' \
		'       ^^^'
	diag 'tail -n 1.5' \
		"gpipe: tail: invalid count '1.5' (want a whole number)" \
		'  tail -n 1.5' \
		'          ^^^'
	diag 'head -n -1' \
		"gpipe: head: invalid count '-1' (want a whole number)" \
		'  head -n -1' \
		'          ^^'
	diag "head ''" \
		"gpipe: head: invalid count '' (want a whole number)" \
		"  head ''" \
		'       ^^'
	diag 'skip 99999999999999999999999' \
		"gpipe: skip: invalid count '99999999999999999999999' (want a whole number)" \
		'  skip 99999999999999999999999' \
		'       ^^^^^^^^^^^^^^^^^^^^^^^'
	diag 'head 1k' \
		"gpipe: head: invalid count '1k' (want a whole number)" \
		'  head 1k' \
		'       ^^'
}

@test "tail count over the ring limit" {
	diag 'tail 20000000' \
		'gpipe: tail: count too large (at most 16777216 records are kept)' \
		'  tail 20000000' \
		'       ^^^^^^^^'
}

# --- invalid regexes: PCRE2's message, caret at PCRE2's offset -------------

@test "invalid regex: offset at the end of the pattern lands after it" {
	diag "grep 'a(b'" \
		"gpipe: grep: invalid regex 'a(b': missing closing parenthesis" \
		"  grep 'a(b'" \
		'           ^'
}

@test "invalid regex: offset inside a double-quoted pattern" {
	diag 'grep "x[z-a]"' \
		"gpipe: grep: invalid regex 'x[z-a]': range out of order in character class" \
		'  grep "x[z-a]"' \
		'            ^'
}

@test "invalid regex in the second -e pattern: that pattern is named and underlined" {
	diag "grep -e ok -e '(('" \
		"gpipe: grep: invalid regex '((': missing closing parenthesis" \
		"  grep -e ok -e '(('" \
		'                   ^'
}

@test "invalid regex: offsets map through escapes" {
	# "a\"b)" is a"b) to PCRE2, whose error is at offset 3: the ')'.
	diag 'grep "a\"b)"' \
		"gpipe: grep: invalid regex 'a\"b)': unmatched closing parenthesis" \
		'  grep "a\"b)"' \
		'            ^'
	# "\\d(" is \d( to PCRE2: offset 3, just after the '('.
	diag 'grep "\\d("' \
		"gpipe: grep: invalid regex '\\d(': missing closing parenthesis" \
		'  grep "\\d("' \
		'            ^'
}

@test "invalid regex: unquoted pattern in a later stage" {
	diag 'upper | grep a)b' \
		"gpipe: grep: invalid regex 'a)b': unmatched closing parenthesis" \
		'  upper | grep a)b' \
		'                ^'
}

@test "invalid regex: trailing backslash" {
	diag "grep '\\'" \
		"gpipe: grep: invalid regex '\\': \\ at end of pattern" \
		"  grep '\\'" \
		'         ^'
}

@test "invalid regex: offsets are not shifted by -i, -x or -w" {
	diag "grep -i 'a{2,1}'" \
		"gpipe: grep: invalid regex 'a{2,1}': numbers out of order in {} quantifier" \
		"  grep -i 'a{2,1}'" \
		'                ^'
	diag "grep -x '[abc'" \
		"gpipe: grep: invalid regex '[abc': missing terminating ] for character class" \
		"  grep -x '[abc'" \
		'               ^'
	diag "grep -w -e '*a'" \
		"gpipe: grep: invalid regex '*a': quantifier does not follow a repeatable item" \
		"  grep -w -e '*a'" \
		'              ^'
}

@test "-F patterns are never invalid regexes" {
	printf 'x((y\nab\n' > in
	run --separate-stderr "$GPIPE" "grep -F '(('" in
	ok_out 'x((y'
}

# --- quoting errors ---------------------------------------------------------

@test "unterminated single quote" {
	diag "grep 'abc" \
		'gpipe: unterminated single quote' \
		"  grep 'abc" \
		'       ^'
}

@test "unterminated double quote, also when its last quote is escaped" {
	diag 'upper | grep "abc' \
		'gpipe: unterminated double quote' \
		'  upper | grep "abc' \
		'               ^'
	diag 'grep "a\"' \
		'gpipe: unterminated double quote' \
		'  grep "a\"' \
		'       ^'
}

# --- separators -------------------------------------------------------------

@test "empty stage between two |" {
	diag 'grep a | | upper' \
		"gpipe: empty stage between '|'" \
		'  grep a | | upper' \
		'           ^'
	diag 'grep a || upper' \
		"gpipe: empty stage between '|' ('||' is not an operator: where takes 'or')" \
		'  grep a || upper' \
		'          ^'
}

@test "leading |" {
	diag '| grep a' \
		"gpipe: expression starts with '|'" \
		'  | grep a' \
		'  ^'
	diag '  | grep a' \
		"gpipe: expression starts with '|'" \
		'    | grep a' \
		'    ^'
}

@test "trailing |" {
	diag 'grep a |' \
		"gpipe: expression ends with '|'" \
		'  grep a |' \
		'         ^'
	diag 'grep a |  ' \
		"gpipe: expression ends with '|'" \
		'  grep a |  ' \
		'         ^'
}

@test "empty and blank expressions" {
	diag '' 'gpipe: empty expression'
	diag '   ' 'gpipe: empty expression'
	diag $' \t\n ' 'gpipe: empty expression'
}

@test "a bad expression never opens its input (FIFO nobody writes to)" {
	mkfifo fifo
	local e
	for e in 'grep ERROR | uper' 'grep -q x' 'head' "grep 'a(b'" 'grep "x' 'grep a | | upper' ''; do
		run --separate-stderr timeout -k 5 20 "$GPIPE" "$e" fifo
		[ "$status" -eq 2 ] || { echo "'$e': status $status"; return 1; }
		[ -z "$output" ]
		[[ $stderr != *"fifo"* ]]
	done
}

@test "the first of several errors is the one reported" {
	diag 'grep -q x | head y' \
		"gpipe: grep: unknown option '-q'" \
		'  grep -q x | head y' \
		'       ^^'
}

# --- quoting semantics --------------------------------------------------------

@test "| inside double or single quotes is text: PCRE2 alternation" {
	printf 'a\nb\nc\na|b\nxyz\n' > in
	run --separate-stderr "$GPIPE" 'grep "a|b"' in
	ok_out a b 'a|b'
	run --separate-stderr "$GPIPE" "grep 'a|b' | upper" in
	ok_out A B 'A|B'
}

@test "an unquoted backslash keeps the next byte literal: a\\|b is the text a|b" {
	printf 'a\nb\na|b\nab\n' > in
	run --separate-stderr "$GPIPE" 'grep a\|b' in
	ok_out 'a|b'
	explained_pattern 'grep a\|b'
	[ "$pattern" = 'a\|b' ]
}

@test "an unquoted backslash escapes a space and a quote" {
	printf 'ab\na b\na'"'"'b\n' > in
	run --separate-stderr "$GPIPE" 'grep a\ b' in
	ok_out 'a b'
	run --separate-stderr "$GPIPE" "grep a\\'b" in
	ok_out "a'b"
}

@test "single quotes are verbatim" {
	printf 'a\\b\na\\\\b\n' > in # a\b and a\\b
	run --separate-stderr "$GPIPE" "grep 'a\\\\\\\\b'" in # the word 'a\\\\b'
	ok_out 'a\\b'
	explained_pattern "grep 'a\\t\"b'"
	[ "$pattern" = 'a\t"b' ]
}

@test "double quotes decode \\\\ \\\" \\t \\n and keep other backslashes" {
	printf 'a\\b\na\\\\b\n' > in
	run --separate-stderr "$GPIPE" 'grep "a\\\\b"' in # "a\\\\b" is a\\b to PCRE2
	ok_out 'a\b'
	explained_pattern 'grep "say \"hi\""'
	[ "$pattern" = 'say "hi"' ]
	explained_pattern 'grep "a\tb"' # --explain shows the decoded tab escaped
	[ "$pattern" = 'a\tb' ]
	explained_pattern 'grep "\\\\w"'
	[ "$pattern" = '\\w' ]
	explained_pattern 'grep "\d+\."'
	[ "$pattern" = '\d+\.' ]
}

@test "\"\\d+\" reaches PCRE2 as \\d+" {
	printf 'abc\nid 42\nx.y\n' > in
	run --separate-stderr "$GPIPE" 'grep "\d+"' in
	ok_out 'id 42'
	run --separate-stderr "$GPIPE" 'grep "\."' in
	ok_out 'x.y'
}

@test "a double-quoted \\t matches a tab, \\n matches inside NUL records" {
	printf 'a\tb\na b\n' > in
	run --separate-stderr "$GPIPE" 'grep "a\tb"' in
	ok_out $'a\tb'
	printf 'a\nb\0ab\0' > z
	"$GPIPE" -z 'grep "a\nb"' z > out 2> err
	[ ! -s err ]
	printf 'a\nb\0' | cmp - out
}

@test "a quoted word starting with - is a pattern, not an option" {
	printf 'a-x\nb\n-v here\n' > in
	run --separate-stderr "$GPIPE" 'grep "-x"' in
	ok_out 'a-x'
	run --separate-stderr "$GPIPE" "grep '-v'" in
	ok_out '-v here'
	run --separate-stderr "$GPIPE" 'grep -"x"' in
	ok_out 'a-x'
}

@test "-- ends the options of a stage" {
	printf 'a-x\n-v here\n-V upper\n' > in
	run --separate-stderr "$GPIPE" 'grep -- -v' in
	ok_out '-v here'
	run --separate-stderr "$GPIPE" 'grep -i -- -V' in
	ok_out '-v here' '-V upper'
	run --separate-stderr "$GPIPE" 'head -- 1' in
	ok_out 'a-x'
}

@test "options may follow operands, bundle, and take attached values" {
	printf 'Error one\nok\nERROR two\n' > in
	run --separate-stderr "$GPIPE" 'grep error -i' in
	ok_out 'Error one' 'ERROR two'
	run --separate-stderr "$GPIPE" 'grep -ie error' in
	ok_out 'Error one' 'ERROR two'
	run --separate-stderr "$GPIPE" 'grep -eERROR' in
	ok_out 'ERROR two'
	run --separate-stderr "$GPIPE" 'grep -vi -e error' in
	ok_out 'ok'
	run --separate-stderr "$GPIPE" 'head -n2' in
	ok_out 'Error one' 'ok'
}

@test "# on the command line is text, not a comment" {
	printf 'a#x\nb\n' > in
	run --separate-stderr "$GPIPE" 'grep #x' in
	ok_out 'a#x'
}

@test "blanks, tabs and newlines between words and stages" {
	printf 'x ERROR\ny\n' > in
	run --separate-stderr "$GPIPE" $'  grep\t ERROR   |upper|  head  1 ' in
	ok_out 'X ERROR'
	run --separate-stderr "$GPIPE" $'grep ERROR\n\n upper \n' in
	ok_out 'X ERROR'
	run --separate-stderr "$GPIPE" $'grep ERROR |\n upper' in
	ok_out 'X ERROR'
}

# --- -f FILE ------------------------------------------------------------------

@test "-f: one stage a line, # comments, blank lines, | at line ends or starts" {
	printf 'one ERROR\ntwo\nthree ERROR\nfour ERROR\n' > in
	cat > e.gp <<-'EOF'
	# errors only, shouted
	grep ERROR    # keep the errors

	  # indented comment
	upper |
	head 2
	EOF
	run --separate-stderr "$GPIPE" -f e.gp in
	ok_out 'ONE ERROR' 'THREE ERROR'
	run --separate-stderr "$GPIPE" --file=e.gp in
	ok_out 'ONE ERROR' 'THREE ERROR'
}

@test "-f: | at the start of the next line; a | at both is an empty stage" {
	printf 'one ERROR\ntwo\n' > in
	printf 'grep ERROR\n  | upper\n' > lead.gp
	run --separate-stderr "$GPIPE" -f lead.gp in
	ok_out 'ONE ERROR'
	printf 'grep ERROR |\n\n| upper\n' > both.gp
	run --separate-stderr "$GPIPE" -f both.gp "$ABSENT"
	fails_with \
		"gpipe: both.gp:3: empty stage between '|'" \
		'  | upper' \
		'  ^'
}

@test "-f: # inside a word or quotes is text" {
	printf 'a#b\n#x\nc\n' > in
	printf 'grep a#b # a comment\n' > e1.gp
	run --separate-stderr "$GPIPE" -f e1.gp in
	ok_out 'a#b'
	printf "grep '#x'\n" > e2.gp
	run --separate-stderr "$GPIPE" -f e2.gp in
	ok_out '#x'
}

@test "-f: CRLF line ends" {
	printf 'x ERROR\ny\n' > in
	printf 'grep ERROR\r\nupper\r\n' > crlf.gp
	run --separate-stderr "$GPIPE" -f crlf.gp in
	ok_out 'X ERROR'
}

@test "-f -: the expression from standard input" {
	printf 'x ERROR\ny\n' > in
	run --separate-stderr "$GPIPE" -f - in <<<'grep ERROR | lower'
	ok_out 'x error'
}

@test "-f: an error names FILE:LINE and shows that line with a caret" {
	cat > bad.gp <<-'EOF'
	# first line is a comment
	grep ERROR

	| hed 2
	EOF
	run --separate-stderr "$GPIPE" -f bad.gp "$ABSENT"
	fails_with \
		"gpipe: bad.gp:4: unknown stage 'hed' (did you mean 'head'?)" \
		'  | hed 2' \
		'    ^^^'
}

@test "-f: an invalid regex on line 3" {
	printf '# patterns\nupper\ngrep -e ok -e %s\n' "'(('" > re.gp
	run --separate-stderr "$GPIPE" -f re.gp "$ABSENT"
	fails_with \
		"gpipe: re.gp:3: grep: invalid regex '((': missing closing parenthesis" \
		"  grep -e ok -e '(('" \
		'                   ^'
}

@test "-f: unterminated quote and trailing |" {
	printf 'upper\ngrep %sabc\nhead 1\n' "'" > q.gp
	run --separate-stderr "$GPIPE" -f q.gp "$ABSENT"
	fails_with \
		'gpipe: q.gp:2: unterminated single quote' \
		"  grep 'abc" \
		'       ^'
	printf 'grep a |\n\n# nothing follows\n' > t.gp
	run --separate-stderr "$GPIPE" -f t.gp "$ABSENT"
	fails_with \
		"gpipe: t.gp:1: expression ends with '|'" \
		'  grep a |' \
		'         ^'
}

@test "-f: a file of comments only is an empty expression" {
	printf '# nothing\n\n   # here\n' > empty.gp
	run --separate-stderr "$GPIPE" -f empty.gp "$ABSENT"
	fails_with 'gpipe: empty.gp: empty expression'
	: > zero.gp
	run --separate-stderr "$GPIPE" -f zero.gp "$ABSENT"
	fails_with 'gpipe: zero.gp: empty expression'
}

@test "-f: a missing file" {
	run --separate-stderr "$GPIPE" -f x "$ABSENT"
	fails_with "gpipe: cannot open 'x': No such file or directory"
}

@test "-f: a directory" {
	mkdir d
	run --separate-stderr "$GPIPE" -f d "$ABSENT"
	fails_with "gpipe: cannot read 'd': Is a directory"
}

@test "-f: the first operand is an input, not an expression" {
	printf 'upper\n' > u.gp
	printf 'grep x\n' > grepx
	run --separate-stderr "$GPIPE" -f u.gp grepx
	ok_out 'GREP X'
}

@test "more than 1000 stages: refused at the 1001st, the caret line shown around it" {
	python3 -c "print(' | '.join(['upper'] * 1001))" > many.gp
	run --separate-stderr "$GPIPE" -f many.gp "$ABSENT"
	local pad
	pad=$(printf '%*s' 83 '')
	fails_with 'gpipe: many.gp:1: more than 1000 stages in the expression' \
		"  ...$(python3 -c "print(' | '.join(['upper'] * 11))")" \
		"  $pad^^^^^"
	python3 -c "print(' | '.join(['upper'] * 1000))" > many.gp
	printf 'x\n' > x.log
	run --separate-stderr "$GPIPE" -f many.gp x.log
	ok_out X
}

@test "an error in a long expression line shows 160 bytes around the caret" {
	local pre post
	pre=$(python3 -c "print('upper | ' * 30, end='')")
	post=$(python3 -c "print(' | lower' * 30, end='')")
	diag "${pre}uper${post}" \
		"gpipe: unknown stage 'uper' (did you mean 'upper'?)" \
		"  ...${pre:160}uper${post:0:80}..." \
		"     $(printf '%*s' 80 '')^^^^"
	# At the start of the line: no leading dots.
	diag "uper${post}" \
		"gpipe: unknown stage 'uper' (did you mean 'upper'?)" \
		"  uper${post:0:80}..." \
		"  ^^^^"
}

@test "-f: an expression file of more than 1 MiB is parsed; more than 64 MiB is refused" {
	python3 -c "print('grep -F ' + ' '.join('-e w%07d' % i for i in range(100000)))" > big.gp
	[ "$(stat -c %s big.gp)" -gt 1048576 ]
	printf 'w0012345\nx\n' > in.log
	run --separate-stderr "$GPIPE" -f big.gp in.log
	ok_out w0012345
	truncate -s 65M huge.gp
	run --separate-stderr "$GPIPE" -f huge.gp "$ABSENT"
	fails_with 'gpipe: huge.gp: expression file larger than 64 MiB'
}
