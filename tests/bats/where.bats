#!/usr/bin/env bats
# where and set: the expression language. Differential against mawk for $N
# comparisons on generated logs, against jq for JSON filters (when the json
# stage is built), exact behaviour of every operator, and every syntax error
# with its exact message and caret.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	printf 'x\n' > one.txt
}

# holds EXPR... / fails EXPR...: `where EXPR` keeps / drops the one record "x".
holds() {
	local e out
	for e in "$@"; do
		out=$("$GPIPE" "where $e" one.txt 2>&1) || true
		[ "$out" = x ] || { echo "expected true: $e (got '$out')"; return 1; }
	done
}
fails() {
	local e out st
	for e in "$@"; do
		st=0
		out=$("$GPIPE" "where $e" one.txt 2>&1) || st=$?
		[ -z "$out" ] && [ "$st" -eq 1 ] || { echo "expected false: $e (got '$out', status $st)"; return 1; }
	done
}

# undone REASON EXPR...: `where EXPR` drops the record "x" (exit 1) and
# summarises a value that could not be computed for REASON.
undone() {
	local why=$1 e
	shift
	for e in "$@"; do
		run --separate-stderr "$GPIPE" "where $e" one.txt
		[ "$status" -eq 1 ] && [ -z "$output" ] || { echo "$e: status $status, '$output'"; return 1; }
		[ "$stderr" = "gpipe: where: 1 record of one.txt had a value that could not be computed (line 1: $why)" ] ||
			{ echo "$e: $stderr"; return 1; }
	done
}

# A whitespace log: field 3 is an integer, a negative, a decimal, an
# exponent, a word, a mixed token or absent (empty and short lines).
make_log() {
	mawk 'BEGIN {
		srand(7)
		split("abc x12 12abc - -- . 1.2.3 Zeta zz 500x 0500 +7 .5 5. 1e3 -2.5e-1 1E2 007", w, " ")
		for (i = 1; i <= 3000; i++) {
			r = rand()
			if (r < 0.03) { print ""; continue }
			if (r < 0.06) { print "short " i; continue }
			if (r < 0.35) v = int(rand() * 2000) - 500
			else if (r < 0.55) v = sprintf("%.3f", rand() * 1000 - 200)
			else if (r < 0.65) v = sprintf("%de%d", int(rand() * 9) + 1, int(rand() * 4))
			else v = w[int(rand() * 19) + 1]
			# Blanks as awk splits: spaces, tabs, leading and trailing runs.
			sp = i % 7 ? " " : "\t  "
			printf "%s%s%shost%d%s%s %s%s\n", (i % 11 ? "" : " \t"), (i % 3 ? "GET" : "POST"), sp, i % 5, sp, v,
				(rand() < 0.5 ? "ok" : "late"), (i % 13 ? "" : "  ")
		}
	}' > log.txt
}

@test "differential against mawk: \$3 compared with numbers and strings" {
	need mawk
	make_log
	local fails=0 cond
	for cond in '$3 > 500' '$3 >= 500' '$3 < 0' '$3 <= -1.5' '$3 == 500' '$3 != 500' '$3 > 2.5' \
		'$3 == 1000' '$3 < 1e2' '$3 > "m"' '$3 < "5"' '$3 == "abc"' '$3 != "0500"' \
		'$3 >= -100 && $4 == "ok"' '$2 == "host3" || $3 > 1500' \
		'$3 > $2' '$1 == "GET" && !($3 > 0)' '$3 + 1 > 100 @num' '$3 * 2 <= 10 @num' '$3 - 0.5 == 0 @num' '$3 / 4 > 10 @num'; do
		# @num: arithmetic on text that is not a number differs from awk (which takes 0):
		# compare on numeric $3 only.
		local numonly=
		if [[ $cond == *' @num' ]]; then
			cond=${cond% @num}
			numonly='$3 ~ /^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$/ && '
		fi
		local ours=${cond//&&/and}
		ours=${ours//||/or}
		ours=${ours//!(/not (}
		[ -z "$numonly" ] || ours="num(\$3) == num(\$3) and ($ours)"
		"$GPIPE" "where $ours" log.txt > ours.txt || true
		mawk "NF >= 3 && $numonly($cond)" log.txt > theirs.txt
		# `not` of a missing field is true in gpipe: short lines differ there.
		if [[ $cond == *'!('* ]]; then
			mawk "NF >= 3 && ($cond) || NF > 0 && NF < 3 && \$1 == \"GET\"" log.txt > theirs.txt
		fi
		if ! cmp -s ours.txt theirs.txt; then
			echo "differs: $cond ($(wc -l < ours.txt) vs $(wc -l < theirs.txt) lines)"
			diff ours.txt theirs.txt | head -5
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
	# The test data has the cases that matter.
	[ "$(mawk '$3 ~ /e/' log.txt | wc -l)" -gt 100 ]
	[ "$(grep -c '^$' log.txt)" -gt 30 ]
}

@test "differential against mawk: \$NF, \$0 and regexes" {
	need mawk
	make_log
	local fails=0 pair
	for pair in '$NF == "late"@@$NF == "late"' '$0 =~ "^POST.*late$"@@/^POST.*late$/' \
		'$3 !~ "^-"@@NF >= 3 && $3 !~ /^-/' '$2 =~ "[13]$" and $3 > 0@@$2 ~ /[13]$/ && NF >= 3 && $3 > 0' \
		'$3 contains "5" and $1 != "GET"@@NF >= 3 && index($3, "5") && $1 != "GET"'; do
		local ours=${pair%%@@*} theirs=${pair#*@@}
		"$GPIPE" "where $ours" log.txt > ours.txt || true
		mawk "$theirs" log.txt > theirs.txt
		if ! cmp -s ours.txt theirs.txt; then
			echo "differs: $ours / $theirs"
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "where \$N over a span of lines keeps the records and their order, exit 1 when none" {
	printf 'a 1\nb 2\nc 3\n' > in.txt
	run --separate-stderr "$GPIPE" 'where $2 >= 2' in.txt
	ok_out 'b 2' 'c 3'
	run --separate-stderr "$GPIPE" 'where $2 > 1 | where $1 != "c"' in.txt
	ok_out 'b 2'
	run --separate-stderr "$GPIPE" 'where $2 > 9' in.txt
	[ "$status" -eq 1 ] && [ -z "$output" ] && [ -z "$stderr" ]
	run --separate-stderr "$GPIPE" 'where true' in.txt
	ok_out 'a 1' 'b 2' 'c 3'
}

@test "comparisons: numbers, exact integers, numeric text, strings, booleans, null" {
	holds '1 < 2' '2 <= 2' '3 > 2' '3 >= 3' '1 == 1.0' '1 != 2' '-1 < 0' '2e3 == 2000' \
		'9007199254740993 != 9007199254740992' '9007199254740993 == 9007199254740993' \
		'"abc" < "abd"' '"ab" < "abc"' '"b" > "abc"' '"10" < "9"' '"x" == "x"' \
		'true == true' 'false != true' 'true > false' 'null == null' 'null != 1' '1 != true' \
		'"true" == true' '1 == "1"' '(1 < 2) == true'
	fails '1 > 2' '2 < 2' '1 == 2' '"a" == "b"' 'null == 0' 'null == ""' '1 == true' \
		'true < false' '1 == "2"'
	# Field text that is a number compares as a number, also with units.
	printf '10 9 abc 0500 250ms 12MB 1.5h -0\n' > f.txt
	run --separate-stderr "$GPIPE" 'where $1 > $2 and $4 == 500 and $3 > 5 and $5 > 0.2s and $5 < 1s and $6 > 10MB and $7 == 5400 and $8 == 0' f.txt
	ok_out '10 9 abc 0500 250ms 12MB 1.5h -0'
	# A quoted literal stays text: "0500" is not "500", and 10 > "9" is false.
	run --separate-stderr "$GPIPE" 'where $4 == "500" or $1 > "9"' f.txt
	[ "$status" -eq 1 ] && [ -z "$output" ]
}

@test "durations and sizes are numbers in seconds and bytes (binary multiples)" {
	holds '1.5s == 1500ms' '250ms == 0.25' '10us == 0.00001' '5ns < 1us' '2m == 120' '1h == 3600' \
		'1d == 86400' '1d == 24h' '10KB == 10240' '10K == 10KB' '1KiB == 1024' '10MB == 10485760' \
		'1GiB == 1073741824' '2G == 2 * 1024 * 1024 * 1024' '100B == 100' '1T == 1024G' \
		'str(250ms) == "0.25"' 'str(1.5KB) == "1536"'
	diag 'where a > 10kb' \
		"gpipe: where: invalid number '10kb' (units: ns us ms s m h d, B K KB KiB M MB MiB G GB GiB T TB TiB)" \
		'  where a > 10kb' \
		'            ^^^^'
}

@test "missing fields: every comparison is false, not of one is true" {
	printf 'a 1\n' > m.txt
	run --separate-stderr "$GPIPE" 'where $5 == 1 or $5 != 1 or $5 < 1 or $5 >= 1 or $5 =~ "x" or $5 !~ "x" or $5 contains "" or nope == null' m.txt
	[ "$status" -eq 1 ] && [ -z "$output" ] && [ -z "$stderr" ]
	run --separate-stderr "$GPIPE" 'where not ($5 == 1) and not (nope != 1) and not exists(nope) and exists($2) and not exists($3)' m.txt
	ok_out 'a 1'
	run --separate-stderr "$GPIPE" 'where $5' m.txt
	[ "$status" -eq 1 ]
}

@test "regex, contains, startswith, endswith; escapes in literals" {
	printf 'GET /api/v1/users 200\nGET /static/a.css 304\nPOST /api/login 500\n' > r.txt
	run --separate-stderr "$GPIPE" 'where $2 =~ "^/api/v\d+/"' r.txt
	ok_out 'GET /api/v1/users 200'
	run --separate-stderr "$GPIPE" "where \$2 !~ '^/api' and \$2 endswith '.css'" r.txt
	ok_out 'GET /static/a.css 304'
	run --separate-stderr "$GPIPE" 'where $0 contains "login" or $2 startswith "/api/v"' r.txt
	ok_out 'GET /api/v1/users 200' 'POST /api/login 500'
	run --separate-stderr "$GPIPE" 'where $1=~"^P"&&$3>=500' r.txt
	ok_out 'POST /api/login 500'
	holds '"a\"b" == '"'"'a"b'"'" '"a\\b" contains "\\"' '"\d" == '"'"'\d'"'" 'len("a\tb") == 3' \
		"len('a\\tb') == 4" '"x|y" contains "|"' '"" == '"''"
	# Numbers and booleans are matched as their text.
	holds '12.50 =~ "^12\.5$"' '(1 > 0) =~ "true"'
}

@test "_file, _line, \$0, \$NF" {
	printf 'one\ntwo x\nthree y z\n' > lines.txt
	run --separate-stderr "$GPIPE" 'where _line >= 2 and $NF != "x"' lines.txt
	ok_out 'three y z'
	run --separate-stderr "$GPIPE" 'where _file endswith "lines.txt" and $0 == "one"' lines.txt
	ok_out 'one'
	run --separate-stderr "$GPIPE" 'where len($0) == 5' lines.txt
	ok_out 'two x'
}

@test "precedence: or < and < not < comparison < + - < * / % < unary minus" {
	holds 'true or false and false' '1 + 2 * 3 == 7' '(1 + 2) * 3 == 9' '-2 * 3 == -6' \
		'- -2 == 2' '10 - 4 - 3 == 3' '2 * 3 % 4 == 2' 'not 1 == 2' 'not false and true' \
		'not not true' '! false' '1 + 1 == 2 and 2 + 2 == 4' '(((1))) == 1'
	fails 'not true or false' '(true or false) and false' 'not 1 == 1'
}

@test "arithmetic: integers, overflow to floating point, division, formatting" {
	holds '7 / 2 == 3.5' 'str(6 / 3) == "2"' 'str(7 / 2) == "3.5"' '-7 % 3 == -1' '7 % -3 == 1' \
		'str(0.1 + 0.2) == "0.30000000000000004"' 'str(1.5 * 2) == "3"' 'str(1 / 3) == "0.3333333333333333"' \
		'str(9223372036854775807 + 1) == "9.223372036854776e+18"' \
		'str(-9223372036854775807 - 1) == "-9223372036854775808"' \
		'9223372036854775807 - 1 == 9223372036854775806' '5.5 % 2 == 1.5' 'str(1e21) == "1e+21"' \
		'"ab" + "cd" == "abcd"' '"n=" + 5 == "n=5"' '"2" + "3" == 5' 'str(2e0) == "2"'
	# Division by zero and arithmetic on text are missing values: comparisons
	# with them are false, and each record where it happened is counted.
	undone 'division by zero' '1 / 0 == 1' '1 / 0 != 1' '1 % 0 == 0' 'exists(nope) or 1 / 0'
	run --separate-stderr "$GPIPE" 'where "a" * 2 == 0' one.txt
	[ "$status" -eq 1 ] && [ -z "$output" ]
	[ "$stderr" = "gpipe: where: 1 record of one.txt had a value that could not be computed (line 1: 'a' is not a number)" ]
}

@test "overflow past the largest double is missing and summarised like a division by zero" {
	undone overflow '1e308 * 10 > 0' '-1e308 * 10 < 0' '1.7e308 + 1.7e308 != 0' 'exists(nope) or 1e300 * 1e300'
	printf '{"a":1e308}\n{"a":1}\n{"a":1e999}\n' > big.jsonl
	run --separate-stderr "$GPIPE" 'json | set x = a * 10' big.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' '{"a":1e308}' '{"a":1,"x":10}' '{"a":1e999}')" ]
	[ "$stderr" = "gpipe: set: 2 records of big.jsonl had values that could not be computed (first at line 1: overflow)" ]
	run --separate-stderr "$GPIPE" --strict 'json | where a * 10 > 1' big.jsonl
	[ "$status" -eq 2 ] && [ "$output" = '{"a":1}' ]
	# A literal past it is an error, not inf.
	diag 'where x > 1e400' "gpipe: where: number out of range '1e400' (the largest is about 1.8e308)" \
		'  where x > 1e400' '            ^^^^^'
}

@test "integers compare exactly at any length; int64 overflow turns to floating point, without UB" {
	holds '100000000000000000000 != 99999999999999999999' '100000000000000000000 > 99999999999999999999' \
		'-100000000000000000000 < -99999999999999999999' '100000000000000000000 == 1e20' \
		'99999999999999999999 < 1e20' '0100000000000000000000 == 100000000000000000000' \
		'9007199254740993 > 9007199254740992.0' '9007199254740993 < 9007199254740993.5' \
		'9223372036854775807 < 9223372036854775808' \
		'str(9223372036854775807 + 1) == "9.223372036854776e+18"' \
		'str(-9223372036854775807 - 2) == "-9.223372036854776e+18"' \
		'str(9223372036854775807 * 2) == "1.8446744073709552e+19"' \
		'str(-9223372036854775807 - 1) == "-9223372036854775808"' \
		'str(-(-9223372036854775807 - 1)) == "9.223372036854776e+18"' \
		'(-9223372036854775807 - 1) % -1 == 0' 'str((-9223372036854775807 - 1) / -1) == "9.223372036854776e+18"'
	fails '100000000000000000000 == 99999999999999999999' '9007199254740993 == 9007199254740992.0'
	printf '%s\n' '{"id":100000000000000000000}' '{"id":99999999999999999999}' '{"id":"100000000000000000001"}' \
		'{"id":1e20}' > ids.jsonl
	run --separate-stderr "$GPIPE" 'json | where id == 100000000000000000000' ids.jsonl
	ok_out '{"id":100000000000000000000}' '{"id":1e20}'
	run --separate-stderr "$GPIPE" 'json | where id > 99999999999999999999' ids.jsonl
	ok_out '{"id":100000000000000000000}' '{"id":"100000000000000000001"}' '{"id":1e20}'
	run --separate-stderr "$GPIPE" 'json | set big = 123456789012345678901234567890 | select big' ids.jsonl
	[ "${lines[0]}" = '{"big":123456789012345678901234567890}' ]
}

@test "arithmetic that cannot be done is counted once per input: a warning, an error with --strict" {
	printf 'a=1\na=x\na=3\nb=1\na=abcdefghijklmnop\n' > ar.log
	printf 'a=0\n' > ar2.log
	run --separate-stderr "$GPIPE" 'logfmt | set c = a * 2' ar.log ar2.log
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'a=1 c=2\na=x\na=3 c=6\nb=1\na=abcdefghijklmnop\na=0 c=0')" ]
	[ "$stderr" = "gpipe: set: 2 records of ar.log had values that could not be computed (first at line 2: 'x' is not a number)" ]
	run --separate-stderr "$GPIPE" --strict 'logfmt | where 10 / a > 1' ar2.log
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "gpipe: where: 1 record of ar2.log had a value that could not be computed (line 1: division by zero)" ]
	run --separate-stderr "$GPIPE" 'logfmt | set c = a + "!" | where c == "x!"' ar.log
	[ "$status" -eq 0 ] && [ "$output" = "a=x c=x!" ] && [ -z "$stderr" ]
}

@test "functions: len lower upper num str int exists" {
	holds 'len("héllo") == 6' 'lower("AbC") == "abc"' 'upper("é-a") == "é-A"' 'num("12MB") == 12582912' \
		'num(" 42 ") == 42' 'str(num("250ms")) == "0.25"' 'str(num("0500")) == "500"' 'str(" 7" + 0) == "7"' 'int(-3.9) == -3' 'int("7.9") == 7' 'str(1.0) == "1"' 'str(true) == "true"' \
		'str(null) == "null"' 'len(str(12345)) == 5'
	fails 'num("abc") == 0' 'num("abc") == num("abc")' 'str(num("x")) == ""' 'len(nope) >= 0'
}

@test "concat(a, b, ...) joins the texts of its arguments; + adds two numbers" {
	holds 'concat(6, 5) == "65"' 'concat(6, 5) == 65' 'str(6) + str(5) == 11' 'concat("a") == "a"' \
		'concat($1, $1, $0) == "xxx"' 'concat(1, "-", true, null, 2.50, 1 + 1) == "1-truenull2.52"' \
		'len(concat("ab", "", "c")) == 3'
	fails 'concat(nope, "a") == "a"' 'concat($9, 1)' 'concat(1, $9) != ""'
	# angle-grinder's where-10: two numbers joined as text.
	printf '%s\n' '{"thing_a": 5, "thing_b": 5}' '{"thing_a": 6, "thing_b": 5}' \
		'{"thing_a": "hello", "thing_b": 5}' '{"thing_a": true, "thing_b": true}' > c.jsonl
	run --separate-stderr "$GPIPE" 'json | where concat(thing_a, thing_b) == "65"' c.jsonl
	ok_out '{"thing_a": 6, "thing_b": 5}'
	run --separate-stderr "$GPIPE" 'json | set t = concat(thing_a, "/", thing_b) | select t' c.jsonl
	ok_out '{"t":"5/5"}' '{"t":"6/5"}' '{"t":"hello/5"}' '{"t":"true/true"}'
	diag 'where concat() == 1' "gpipe: where: concat() takes one argument or more" \
		'  where concat() == 1' '        ^^^^^^^^'
	diag 'where concat(1,) == 1' "gpipe: where: expected a value after ','" \
		'  where concat(1,) == 1' '                ^'
}

@test "truthiness of a bare value" {
	holds '1' '-0.5' '"a"' 'true' '"0"' 'len("x")'
	fails '0' '0.0' '""' 'false' 'null' 'nope' '$9'
}

@test "set: assigns from \$N, later assignments see earlier ones, the text stays" {
	printf 'a 5\nb 7\nc 3x\n' > s.txt
	run --separate-stderr "$GPIPE" 'set x = $2 * 2 | where x == 10' s.txt
	[ "$status" -eq 0 ] && [ "$output" = 'a 5' ]
	[ "$stderr" = "gpipe: set: 1 record of s.txt had a value that could not be computed (line 3: '3x' is not a number)" ]
	run --separate-stderr "$GPIPE" 'set a = 1, b = a + $2, a = a + 10 | where b == 8 and a == 11' s.txt
	ok_out 'b 7'
	run --separate-stderr "$GPIPE" 'set ok = $2 > 6 | where ok' s.txt
	ok_out 'b 7'
	run --separate-stderr "$GPIPE" 'set ok = $2 > 6 | where ok == false' s.txt
	ok_out 'a 5' 'c 3x'
	run --separate-stderr "$GPIPE" 'set s = upper($1) + "-" + $2 | where s == "C-3x"' s.txt
	ok_out 'c 3x'
	# A missing result leaves the field unset; a string of digits is a number.
	run --separate-stderr "$GPIPE" 'set h = $2 / 0, n = $2 + 0 | where not exists(h) and n == 7' s.txt
	[ "$status" -eq 0 ] && [ "$output" = 'b 7' ]
	[ "$stderr" = "gpipe: set: 3 records of s.txt had values that could not be computed (first at line 1: division by zero)" ]
	run --separate-stderr "$GPIPE" 'set y = 2 * 3 | where str(y) == "6"' s.txt
	ok_out 'a 5' 'b 7' 'c 3x'
	run --separate-stderr "$GPIPE" 'set ${odd name} = 1.5 * 2 | where ${odd name} == 3 and $1 == 3' s.txt
	ok_out 'a 5' 'b 7' 'c 3x'
}

@test "errors: operators and operands, with carets" {
	diag 'where a === 1' "gpipe: where: unknown operator '==='" '  where a === 1' '          ^^^'
	diag 'where a => 1' "gpipe: where: unknown operator '=>'" '  where a => 1' '          ^^'
	diag 'where status >=' "gpipe: where: expected a value after '>='" '  where status >=' '               ^^'
	diag 'where a == 1 and' "gpipe: where: expected a value after 'and'" '  where a == 1 and' '               ^^^'
	diag 'where a = 1' "gpipe: where: '=' assigns: compare with '=='" '  where a = 1' '          ^'
	diag 'where a b' "gpipe: where: expected an operator, found 'b'" '  where a b' '          ^'
	diag 'where a & b' "gpipe: where: unexpected character '&' (did you mean 'and'?)" '  where a & b' '          ^'
	diag 'where a < b < c' "gpipe: where: comparisons do not chain: use 'and' (a < b and b < c), found '<'" \
		'  where a < b < c' '              ^'
	diag 'where' 'gpipe: where: missing EXPR' '  where' '  ^^^^^'
	diag 'where * 2' "gpipe: where: expected a value after 'where'" '  where * 2' '  ^^^^^'
}

@test "errors: '||' is a pipe, parentheses, quotes" {
	diag 'where a == 1 || b == 2' "gpipe: empty stage between '|' ('||' is not an operator: where takes 'or')" '  where a == 1 || b == 2' '                ^'
	diag 'where (a == 1' "gpipe: where: '(' without a closing ')'" '  where (a == 1' '        ^'
	diag 'where ((a == 1) or b' "gpipe: where: '(' without a closing ')'" '  where ((a == 1) or b' '        ^'
	diag 'where a == 1)' "gpipe: where: unexpected ')' without a matching '('" '  where a == 1)' '              ^'
	diag 'where ()' "gpipe: where: expected a value after '('" '  where ()' '        ^'
	diag 'where len(a' "gpipe: where: '(' without a closing ')'" '  where len(a' '           ^'
}

@test "errors: bad regex with PCRE2's message at its offset inside the literal" {
	diag 'where path =~ "^/api(v[0-9]"' "gpipe: where: invalid regex '^/api(v[0-9]': missing closing parenthesis" \
		'  where path =~ "^/api(v[0-9]"' '                             ^'
	diag 'where path =~ "a\"b{2,1}"' "gpipe: where: invalid regex 'a\"b{2,1}': numbers out of order in {} quantifier" \
		'  where path =~ "a\"b{2,1}"' '                         ^'
	diag 'where path !~ status' "gpipe: where: the right side of '!~' must be a quoted regex: path =~ \"^/api\"" \
		'  where path !~ status' '                ^^^^^^'
}

@test "errors: functions, references, nesting depth, set" {
	diag 'where lenn(a) > 1' "gpipe: where: unknown function 'lenn' (did you mean 'len'?)" \
		'  where lenn(a) > 1' '        ^^^^'
	diag 'where foo(a)' "gpipe: where: unknown function 'foo' (did you mean 'now'?)" \
		'  where foo(a)' '        ^^^'
	diag 'where zzzzz(a)' "gpipe: where: unknown function 'zzzzz' (functions: exists len lower upper num str int concat substr abs round floor ceil if time bucket now)" \
		'  where zzzzz(a)' '        ^^^^^'
	diag 'where len(a, b)' "gpipe: where: len() takes one argument" '  where len(a, b)' '             ^'
	diag 'where exists("a")' "gpipe: where: exists() takes a field name: exists(user.id)" \
		'  where exists("a")' '               ^^^'
	diag 'where tags[x] == 1' "gpipe: where: unexpected character '['" \
		'  where tags[x] == 1' '            ^'
	diag 'where $foo == 1' "gpipe: where: '\$' takes a field number, NF or {name}: \$3, \$NF, \${my field}" \
		'  where $foo == 1' '        ^'
	local deep open close
	open=$(printf '(%.0s' $(seq 300))
	close=$(printf ')%.0s' $(seq 300))
	run --separate-stderr "$GPIPE" "where ${open}1${close}" "$ABSENT"
	[ "$status" -eq 2 ] && [ -z "$output" ]
	[ "${stderr%%$'\n'*}" = "gpipe: where: expression nested too deeply (more than 256 levels)" ]
	[[ ${lines[2]:-} == "" ]]
	# 200 levels are fine.
	open=$(printf '(%.0s' $(seq 200))
	close=$(printf ')%.0s' $(seq 200))
	run --separate-stderr "$GPIPE" "where ${open}1${close}" one.txt
	ok_out x
	deep=$(printf -- '- %.0s' $(seq 300))
	run --separate-stderr "$GPIPE" "where ${deep}1" "$ABSENT"
	[ "${stderr%%$'\n'*}" = "gpipe: where: expression nested too deeply (more than 256 levels)" ]
	# A long chain of operators is bounded too (it needs no parser recursion).
	deep=$(printf '1 + %.0s' $(seq 1100))
	run --separate-stderr "$GPIPE" "where ${deep}1 > 0" "$ABSENT"
	[ "$status" -eq 2 ] && [ "${stderr%%$'\n'*}" = "gpipe: where: expression too deep (more than 1024 operations in a chain)" ]
	deep=$(printf '1 + %.0s' $(seq 1000))
	run --separate-stderr "$GPIPE" "where ${deep}1 == 1001" one.txt
	ok_out x
	diag 'set a' "gpipe: set: expected '=' after the field name" '  set a' '      ^'
	diag 'set a == 1' "gpipe: set: assign with '=', not '=='" '  set a == 1' '        ^^'
	diag 'set $1 = 2' "gpipe: set: cannot assign to '\$1': name a field" '  set $1 = 2' '      ^^'
	diag 'set a.b = 1' "gpipe: set: cannot assign into a path ('a.b'): name a top-level field, or write \${a.b}" \
		'  set a.b = 1' '      ^^^'
	diag 'set a = 1,' "gpipe: set: expected another NAME = EXPR after ','" '  set a = 1,' '           ^'
	diag 'set a = 1 b = 2' "gpipe: set: expected an operator, found 'b'" '  set a = 1 b = 2' '            ^'
	diag 'set' 'gpipe: set: missing NAME = EXPR' '  set' '  ^^^'
}

# --- JSON (needs the json stage) -------------------------------------------

json_guard() {
	"$GPIPE" --list-stages | grep -qx json || skip "json stage not built"
	need jq
}

make_jsonl() {
	cat > j.jsonl <<-'EOF'
	{"status":200,"path":"/api/a","took":0.12,"ok":true,"user":{"id":7,"name":"ann"},"tags":["x","y"]}
	{"status":503,"path":"/api/b","took":1.5,"ok":false,"user":{"id":null},"tags":[]}
	{"status":"404","path":"/static\/c","ok":null,"user":{}}
	{"status":500.0,"path":"/\u0061pi/d","took":"250ms","ok":true}
	{"status":9007199254740993,"path":"","tags":["y"]}
	{"path":"/x","user":{"name":"bob","id":12}}
	EOF
}

@test "json: where against jq select" {
	json_guard
	make_jsonl
	local fails=0 pair
	for pair in 'status >= 500|(.status|type) == "number" and .status >= 500' \
		'path startswith "/api"|(.path // "") | startswith("/api")' \
		'user.id > 5|(.user.id|type) == "number" and .user.id > 5' \
		'ok == true|.ok == true' 'ok == false|.ok == false' 'ok == null|has("ok") and .ok == null' \
		'exists(user.id)|(.user // {}) | has("id")' 'not exists(status)|has("status") | not' \
		'tags[0] == "y"|(.tags // [])[0] == "y"' 'len(tags) == 0|.tags == []' \
		'user.name =~ "^a"|(.user.name // "") | test("^a")' \
		'status == 9007199254740993|.status == 9007199254740993 and (.path == "")'; do
		local ours=${pair%%|*} theirs=${pair#*|}
		"$GPIPE" "json | where $ours" j.jsonl > ours.txt || true
		jq -c "select($theirs)" j.jsonl > theirs.txt
		# Records pass unchanged: compare the records jq selects, as text.
		"$GPIPE" "json | where $ours" j.jsonl | jq -c . > ours.txt 2>/dev/null || true
		if ! cmp -s ours.txt theirs.txt; then
			echo "differs: $ours"
			diff ours.txt theirs.txt | head -4
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "json: string status compares as a number, escapes decoded, durations in text" {
	json_guard
	make_jsonl
	run --separate-stderr "$GPIPE" 'json | where status == 404 and path == "/static/c"' j.jsonl
	ok_out '{"status":"404","path":"/static\/c","ok":null,"user":{}}'
	run --separate-stderr "$GPIPE" 'json | where path == "/api/d" and took > 0.2s and status == 500' j.jsonl
	ok_out '{"status":500.0,"path":"/\u0061pi/d","took":"250ms","ok":true}'
	run --separate-stderr "$GPIPE" 'json | set slow = took > 1s | where slow' j.jsonl
	ok_out '{"status":503,"path":"/api/b","took":1.5,"ok":false,"user":{"id":null},"tags":[],"slow":true}'
	run --separate-stderr "$GPIPE" 'json | set status = status + 1, who = user.name | where who == "ann"' j.jsonl
	ok_out '{"status":201,"path":"/api/a","took":0.12,"ok":true,"user":{"id":7,"name":"ann"},"tags":["x","y"],"who":"ann"}'
}

@test "--explain shows the expressions as written; _line turns line counting on" {
	run --separate-stderr "$GPIPE" --explain 'where $3 > 5 and path =~ "^/a\d" | set x = 1, y = "a b"' "$ABSENT"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nwhere    $3 > 5 and path =~ "^/a\\d"\nset      x = 1, y = "a b"\n'* ]] || { echo "$output"; return 1; }
	printf 'a\nb\nc\n' > l.txt
	run --separate-stderr "$GPIPE" 'where _line == 2 or _line == 3 | head 1' l.txt
	ok_out 'b'
}
