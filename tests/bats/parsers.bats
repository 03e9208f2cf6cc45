#!/usr/bin/env bats
# The text parsers: fields, parse (template and -r), logfmt, csv, tsv.
#
# Two kinds of tests. Those that need no other stage: drop counts and the
# exact stderr summaries (records counted with `count`), --keep, --strict,
# csv line joining, and open-time errors with their carets. And those that
# look at the fields themselves through `-o json` (one JSON object a record,
# fields in order); they are skipped until the -o json writer prints fields.
# JSON output is compared after `jq -c .`, so spacing does not matter.

bats_require_minimum_version 1.5.0
load helpers

# out_err STATUS STDOUT STDERR-LINE...: the last `run` exited STATUS with
# exactly STDOUT and exactly the STDERR lines.
out_err() {
	local want_status=$1 want_out=$2
	shift 2
	local want_err
	want_err=$(printf '%s\n' "$@")
	if [ "$status" -ne "$want_status" ] || [ "$output" != "$want_out" ] || [ "$stderr" != "$want_err" ]; then
		printf 'status %s (want %s)\n--- stdout:\n%s\n--- wanted:\n%s\n--- stderr:\n%s\n--- wanted stderr:\n%s\n' \
			"$status" "$want_status" "$output" "$want_out" "$stderr" "$want_err"
		return 1
	fi
}

# need_json: skip until `-o json` prints the fields of a record.
need_json() {
	need jq
	[ -n "$(printf 'a\n' | "$GPIPE" -o json 'fields' 2> /dev/null | grep '"1"')" ] ||
		skip "-o json does not print fields yet"
}

# json_is EXPR INPUT LINE...: gpipe -o json EXPR over INPUT (printf'd to a
# file) exits 0, writes nothing on stderr, and its output, normalised by
# jq -c, is exactly LINE...
json_is() {
	local expr=$1 input=$2
	shift 2
	printf '%s' "$input" > in.txt
	run --separate-stderr "$GPIPE" -o json "$expr" in.txt
	if [ "$status" -ne 0 ] || [ -n "$stderr" ]; then
		printf 'status %s\n--- stderr:\n%s\n' "$status" "$stderr"
		return 1
	fi
	local got want
	got=$(printf '%s\n' "$output" | jq -c .) || { echo "not JSON: $output"; return 1; }
	want=$(printf '%s\n' "$@")
	if [ "$got" != "$want" ]; then
		printf -- '--- got:\n%s\n--- wanted:\n%s\n' "$got" "$want"
		return 1
	fi
}

# --- fields -----------------------------------------------------------------

@test "fields: every record passes, none is dropped, text unchanged" {
	printf '  a b\tc  \n\nx\n' > in.txt
	run --separate-stderr "$GPIPE" 'fields one two' in.txt
	ok_out '  a b	c  ' '' 'x'
	run --separate-stderr "$GPIPE" 'fields -d , | count' in.txt
	ok_out 3
}

@test "fields: awk splitting and names, positions beyond the names" {
	need_json
	json_is 'fields one two' $'  a b\tc  \n\nx\n' \
		'{"one":"a","two":"b","3":"c"}' '{"line":""}' '{"one":"x"}'
}

@test "fields -d: empty pieces kept, multi-byte and tab separators" {
	need_json
	json_is 'fields -d ,' $'a,,b\n,\n' '{"1":"a","2":"","3":"b"}' '{"1":"","2":""}'
	json_is 'fields -d :: k' $'a::b::\n' '{"k":"a","2":"b","3":""}'
	json_is "fields -d '\\t'" $'a\tb c\n' '{"1":"a","2":"b c"}'
}

@test "fields -d , agrees with mawk -F, on every field" {
	need_json
	need mawk
	local i
	for i in $(seq 1 200); do
		printf 'x%s,,y%s,%s\n' "$((i % 7))" "$i" "$(printf 'z%.0s' $(seq 1 $((i % 5))))"
		[ $((i % 17)) -ne 0 ] || printf ',\n\nsolo\n'
	done > in.csv
	mawk -F, '{ s = ""; for (i = 1; i <= NF; i++) s = s (i > 1 ? "|" : "") $i; print s }' in.csv > want.txt
	"$GPIPE" -o json 'fields -d ,' in.csv |
		jq -r 'if has("line") then .line else [.[]] | map(tostring) | join("|") end' > got.txt
	diff want.txt got.txt
}

@test "fields -d with nothing to split on is an error" {
	diag "fields -d ''" \
		"gpipe: fields: -d needs a separator (one or more bytes)" \
		"  fields -d ''" \
		'            ^^'
}

# --- parse TEMPLATE ---------------------------------------------------------

# A generated application log: 300 lines, every 7th one malformed.
applog() {
	local i
	for i in $(seq 1 300); do
		if [ $((i % 7)) -eq 0 ]; then
			printf 'garbage line %d\n' "$i"
		else
			printf '2024-06-01T10:%02d:%02d INFO  [worker-%d] GET /api/items/%d status=%d\n' \
				$((i / 60)) $((i % 60)) $((i % 4)) "$i" $((i % 3 == 0 ? 500 : 200))
		fi
	done
}

@test "parse: records that do not match are dropped and summarised once per input" {
	applog > app.log
	run --separate-stderr "$GPIPE" 'parse "{ts} {level} [{thread}] {method} {path} status={status}" | count' app.log
	out_err 0 258 "gpipe: parse: 42 records of app.log did not match (first at line 7)"
}

@test "parse: one summary per input, singular form with the line" {
	printf 'a=1\nnope\n' > one.log
	printf 'b=2\n' > two.log
	printf 'x\ny\nc=3\n' > three.log
	run --separate-stderr "$GPIPE" 'parse "{k}={v}" | count' one.log two.log three.log
	out_err 0 3 \
		"gpipe: parse: 1 record of one.log did not match (line 2)" \
		"gpipe: parse: 2 records of three.log did not match (first at line 1)"
}

@test "parse --keep and -k keep the records that do not match" {
	applog > app.log
	run --separate-stderr "$GPIPE" 'parse --keep "{ts} {level} [{thread}] {method} {path} status={status}" | count' app.log
	ok_out 300
	run --separate-stderr "$GPIPE" 'parse -k "{ts} {level} [{thread}] {method} {path} status={status}"' app.log
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "$output" = "$(cat app.log)" ]
}

@test "parse --strict: unmatched records make exit status 2" {
	printf 'a=1\nnope\n' > in.log
	run --separate-stderr "$GPIPE" --strict 'parse "{k}={v}" | count' in.log
	out_err 2 1 "gpipe: parse: 1 record of in.log did not match (line 2)"
	run --separate-stderr "$GPIPE" --strict 'parse -k "{k}={v}" | count' in.log
	ok_out 2
}

@test "parse: the example of the issue, blank runs, skips and the rest of the record" {
	need_json
	json_is 'parse "{ts} {level} [{thread}] {method} {path} status={status}"' \
		$'2024-06-01T10:00:00 INFO [main-1] GET /api/x status=200\n2024-06-01T10:00:01 WARN\t [t 2]  POST /y status=500 slow\n' \
		'{"ts":"2024-06-01T10:00:00","level":"INFO","thread":"main-1","method":"GET","path":"/api/x","status":200}' \
		'{"ts":"2024-06-01T10:00:01","level":"WARN","thread":"t 2","method":"POST","path":"/y","status":"500 slow"}'
	json_is 'parse "id={id} {} {_} {last}"' $'x id=7 a b c d\n' '{"id":7,"last":"c d"}'
}

@test "parse agrees with sed -E on a generated log" {
	need_json
	applog > app.log
	sed -E -n 's/^([^ ]+) +([^ ]+) +\[([^]]*)\] +([^ ]+) +([^ ]+) +status=(.*)$/\1|\2|\3|\4|\5|\6/p' app.log > want.txt
	"$GPIPE" -o json 'parse "{ts} {level} [{thread}] {method} {path} status={status}"' app.log 2> /dev/null |
		jq -r '[.ts, .level, .thread, .method, .path, .status] | map(tostring) | join("|")' > got.txt
	[ "$(wc -l < want.txt)" -eq 258 ]
	diff want.txt got.txt
}

@test "parse: a leading literal is searched for, text after a final literal ignored" {
	need_json
	json_is 'parse "user={user};"' $'at 10:00 user=bob; more=1\nuser=;\n' \
		'{"user":"bob"}' '{"user":""}'
	json_is 'parse "{{{a}}} {b}"' $'{x} y\n' '{"a":"x","b":"y"}'
}

@test "parse: placeholders end at the first occurrence of the next literal" {
	need_json
	json_is 'parse "{a}: {b}"' $'k: v: w\n' '{"a":"k","b":"v: w"}'
	json_is 'parse "{a} [{b}]"' $'x  y [z] [q]\n' '{"a":"x  y","b":"z"}'
}

@test "parse: no backtracking: the literal after the first occurrence must follow" {
	printf 'a-b=c\n' > in.log
	run --separate-stderr "$GPIPE" 'parse "{x}-{y}=" | count' in.log
	ok_out 1
	printf 'a=b-c\n' > in.log
	run --separate-stderr "$GPIPE" 'parse "{x}-{y}=" | count' in.log
	out_err 0 0 "gpipe: parse: 1 record of in.log did not match (line 1)"
}

@test "parse: template errors point at the fault" {
	diag 'parse "{a}{b} x"' \
		"gpipe: parse: two placeholders in a row: put literal text between them" \
		'  parse "{a}{b} x"' \
		'         ^^^^^^'
	diag 'parse "x {a"' \
		"gpipe: parse: '{' without a closing '}' (write '{{' for a literal brace)" \
		'  parse "x {a"' \
		'           ^'
	diag 'parse "{a} }"' \
		"gpipe: parse: a lone '}' (write '}}' for a literal brace)" \
		'  parse "{a} }"' \
		'             ^'
	diag 'parse "x {} y"' \
		"gpipe: parse: the template captures nothing: name a placeholder, as in '{level}'" \
		'  parse "x {} y"' \
		'        ^^^^^^^^'
	diag 'parse' \
		"gpipe: parse: missing TEMPLATE (or -r REGEX)" \
		'  parse' \
		'  ^^^^^'
	diag 'parse "{a} {b}" extra' \
		"gpipe: parse: unexpected argument 'extra' (quote the template as one word)" \
		'  parse "{a} {b}" extra' \
		'                  ^^^^^'
}

# --- parse -r -----------------------------------------------------------------

@test "parse -r: drops non-matching records, --keep keeps them" {
	printf 'user=bob took 15ms\nno\nuser=al took 3ms\n' > in.log
	run --separate-stderr "$GPIPE" 'parse -r "user=(?<user>\w+) took (?<ms>\d+)ms" | count' in.log
	out_err 0 2 "gpipe: parse: 1 record of in.log did not match (line 2)"
	run --separate-stderr "$GPIPE" 'parse --keep -r "user=(?<user>\w+)" | count' in.log
	ok_out 3
}

@test "parse -r: named groups in group order, absent when not taking part" {
	need_json
	json_is 'parse -r "(?<z>\w+)=(?<a>\d+)?|(?<m>x)"' $'foo=12\nx\nfoo=\n' \
		'{"z":"foo","a":12}' '{"m":"x"}' '{"z":"foo"}'
}

@test "parse -r: errors at open with a caret" {
	diag 'parse -r "(?<x>a"' \
		"gpipe: parse -r: invalid regex: missing closing parenthesis" \
		'  parse -r "(?<x>a"' \
		'                  ^'
	diag 'parse -r "a(b)"' \
		"gpipe: parse -r: the pattern has no named groups (?<name>...)" \
		'  parse -r "a(b)"' \
		'           ^^^^^^'
	diag 'parse -r "(?<x>a)" "{y}"' \
		"gpipe: parse: unexpected argument '{y}' (-r takes the regex)" \
		'  parse -r "(?<x>a)" "{y}"' \
		'                     ^^^^^'
}

# --- logfmt -------------------------------------------------------------------

@test "logfmt: malformed records are dropped with the first reason" {
	printf 'a=1 b=2\nk="unterminated\n=x\n\nok=1\n' > in.log
	run --separate-stderr "$GPIPE" 'logfmt | count' in.log
	out_err 0 3 "gpipe: logfmt: 2 records of in.log are not logfmt (first at line 2: unterminated quote at byte 3)"
	printf '=x\n' > in.log
	run --separate-stderr "$GPIPE" --strict 'logfmt | count' in.log
	out_err 2 0 "gpipe: logfmt: 1 record of in.log is not logfmt (line 1: key starting with '=' at byte 1)"
	printf 'a=1 "b"=2\na="b"c\n' > in.log
	run --separate-stderr "$GPIPE" 'logfmt | count' in.log
	out_err 0 0 "gpipe: logfmt: 2 records of in.log are not logfmt (first at line 1: unexpected quote at byte 5)"
}

@test "logfmt: values, quoting, escapes, bare keys" {
	need_json
	json_is 'logfmt' $'a=1 b="x \\"y\\" \\\\ \\q\\n" flag c= d=e=f\n\n' \
		'{"a":1,"b":"x \"y\" \\ \\q\n","flag":"","c":"","d":"e=f"}' '{"line":""}'
}

@test "logfmt takes no arguments" {
	diag 'logfmt x' \
		"gpipe: logfmt: unexpected argument 'x'" \
		'  logfmt x' \
		'         ^'
}

# --- csv ------------------------------------------------------------------------

@test "csv: the header is not a record; blank lines are skipped" {
	printf 'a,b\n1,2\n\n3,4\n' > in.csv
	run --separate-stderr "$GPIPE" 'csv | count' in.csv
	ok_out 2
}

@test "csv: the first record of each input is its header" {
	printf 'a,b\n1,2\n' > one.csv
	printf 'c\n3\n4\n' > two.csv
	run --separate-stderr "$GPIPE" 'csv | count' one.csv two.csv
	ok_out 3
}

@test "csv: quoted line breaks join records, which keep their first line number" {
	printf 'h1,h2\n"multi\nline ""x""",z\nplain,1\n"a\n\n,b",2\n' > in.csv
	run --separate-stderr "$GPIPE" 'csv | count' in.csv
	ok_out 3
	run --separate-stderr "$GPIPE" -n 'csv' in.csv
	ok_out '2:"multi' 'line ""x""",z' '4:plain,1' '5:"a' '' ',b",2'
}

@test "csv: a quote never closed is an error at the end of its input; the lines after it are read again" {
	printf 'h\nv\n"open\nmore\n' > bad.csv
	printf 'h\nw\n' > good.csv
	run --separate-stderr "$GPIPE" -n 'csv' bad.csv good.csv
	out_err 2 "$(printf '2:v\n4:more\n2:w')" \
		"gpipe: csv: bad.csv:3: quoted field not closed by the end of the input (2 lines): line 3 skipped, the 1 line after it read again"
	printf 'h\n"a\n' > last.csv
	run --separate-stderr "$GPIPE" 'csv | count' last.csv
	out_err 2 0 "gpipe: csv: last.csv:2: quoted field not closed by the end of the input (1 line): line 2 skipped"
}

@test "csv: a stray quote in row 10 of 100000 costs that row only, with the line named" {
	python3 -c "
import random
r = random.Random(9)
with open('stray.csv', 'w') as f:
    f.write('id,name,val\\n')
    for i in range(1, 100001):
        name = 'n%d' % r.randrange(10 ** 6)
        f.write('%d,%s%s,%d\\n' % (i, '\"' if i == 10 else '', name, r.randrange(1000)))
"
	run --separate-stderr "$GPIPE" 'csv | count' stray.csv
	out_err 2 99999 "gpipe: csv: stray.csv:11: quoted field not closed by the end of the input (99991 lines): line 11 skipped, the 99990 lines after it read again"
	run --separate-stderr "$GPIPE" --max-record 100K 'csv | where id >= 9 and id <= 12 or id == 100000 | select id' stray.csv
	out_err 2 "$(printf '9\n11\n12\n100000')" \
		"gpipe: csv: stray.csv:11: quoted field not closed within --max-record (102400 bytes, 6172 lines): line 11 skipped, the 6171 lines after it read again"
	# every row but row 10, in order
	"$GPIPE" 'csv | select id' stray.csv > got 2> /dev/null || true
	seq 1 100000 | grep -vx 10 > want
	cmp got want
}

@test "csv: a quoted field longer than --max-record is reported, its first line skipped and the rest read again" {
	{
		printf 'h\n"start\n'
		for i in $(seq 1 50); do printf 'continuation line %d\n' "$i"; done
		printf 'end"\nnext\n'
	} > in.csv
	run --separate-stderr "$GPIPE" --max-record 200 'csv | count' in.csv
	out_err 2 52 "gpipe: csv: in.csv:2: quoted field not closed within --max-record (200 bytes, 11 lines): line 2 skipped, the 10 lines after it read again"
}

@test "csv -d: one byte, '\\t' is a tab; errors point at the argument" {
	printf 'a;b\n1;"2;3"\n' > in.csv
	run --separate-stderr "$GPIPE" 'csv -d ";" | count' in.csv
	ok_out 1
	diag 'csv -d ab' \
		"gpipe: csv: -d takes one byte other than a quote or a line break ('\\t' for a tab)" \
		'  csv -d ab' \
		'         ^^'
	diag 'csv x' \
		"gpipe: csv: unexpected argument 'x'" \
		'  csv x' \
		'      ^'
}

@test "csv: quoting, extra and missing values, CRLF" {
	need_json
	json_is 'csv' $'name,"ci""ty",n\r\nbob,"a, b",1\r\n"x""y",z,2,extra\r\nshort\r\nab"c,"q"tail,3\n' \
		'{"name":"bob","ci\"ty":"a, b","n":1}' \
		'{"name":"x\"y","ci\"ty":"z","n":2,"4":"extra"}' \
		'{"name":"short"}' \
		'{"name":"ab\"c","ci\"ty":"qtail","n":3}'
	json_is "csv -d '\\t'" $'a\tb\n1\t"x\ty"\n' '{"a":1,"b":"x\ty"}'
}

@test "csv: values agree with python3's csv module" {
	need_json
	need python3
	python3 - > in.csv << 'EOF'
import csv, random, sys
random.seed(5)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id", "text", "n"])
alphabet = ['a', 'b', ' ', ',', '"', '\n', 'é', ';']
for i in range(300):
    t = "".join(random.choice(alphabet) for _ in range(random.randrange(12)))
    w.writerow([f"r{i}", t, f"n{i % 9}"])
EOF
	python3 -c '
import csv, json
rows = list(csv.reader(open("in.csv", newline="")))
h = rows[0]
for r in rows[1:]:
    print(json.dumps(dict(zip(h, r)), separators=(",", ":"), ensure_ascii=False))
' > want.txt
	"$GPIPE" -o json 'csv' in.csv | jq -c . > got.txt
	diff want.txt got.txt
}

@test "csv: values agree with Miller" {
	need_json
	command -v mlr > /dev/null || skip "Miller is not installed"
	printf 'k,v\na,"1,2"\nb,"say ""hi"""\nc,"two\nlines"\n' > in.csv
	mlr --icsv --ojsonl cat in.csv | jq -c . > want.txt
	"$GPIPE" -o json 'csv' in.csv | jq -c . > got.txt
	diff want.txt got.txt
}

# --- tsv ------------------------------------------------------------------------

@test "tsv: header per input, blank lines skipped" {
	printf 'a\tb\n1\t2\n\n3\t4\n' > in.tsv
	run --separate-stderr "$GPIPE" 'tsv | count' in.tsv in.tsv
	ok_out 4
}

@test "tsv: escapes decoded, extra values by position" {
	need_json
	json_is 'tsv' $'a\tb\n1\\t2\tx\\\\y\\q\tmore\n' '{"a":"1\t2","b":"x\\y\\q","3":"more"}'
}

@test "csv: each input is named by its own header" {
	need_json
	printf 'a,b\n1,2\n' > one.csv
	printf 'c\n3\n"4\n5"\n' > two.csv
	run --separate-stderr "$GPIPE" -o json 'csv' one.csv two.csv
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | jq -c .)" = "$(printf '%s\n' '{"a":1,"b":2}' '{"c":3}' '{"c":"4\n5"}')" ]
	# The same through tail: both inputs' records in one batch.
	run --separate-stderr "$GPIPE" -o json 'tail 100 | csv' one.csv two.csv
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | jq -c .)" = "$(printf '%s\n' '{"a":1,"b":2}' '{"c":3}' '{"c":"4\n5"}')" ]
}

@test "--explain shows each parser's resolved arguments" {
	run --separate-stderr "$GPIPE" --explain 'parse "{a} {b}" | parse --keep -r "(?<x>\d)" | fields -d , k | fields | csv -d ";" | logfmt | tsv' "$ABSENT"
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	local want
	want=$(printf '%s\n' \
		"parse    '{a} {b}'  [template, 2 captures]" \
		"parse    --keep -r '(?<x>\\d)'  [pcre2, 1 named group]" \
		"fields   -d ','" \
		"fields   runs of blanks, as awk" \
		"csv      -d ';'  [header: first record of each input]" \
		"logfmt" \
		"tsv      [header: first record of each input]")
	[ "$(printf '%s\n' "${lines[@]}" | grep -E '^(parse|fields|csv|logfmt|tsv)( |$)' | sed 's/pcre2-jit,/pcre2,/')" = "$want" ]
}

@test "parse: the summary is printed when head ends the run early, and --strict makes it exit 2" {
	printf 'x\ny\na=1\na=2\n' > in.log
	run --separate-stderr "$GPIPE" "parse 'a={a}' | head 1" in.log
	[ "$status" -eq 0 ]
	[ "$output" = "a=1" ]
	[ "$stderr" = "gpipe: parse: 2 records of in.log did not match (first at line 1)" ]
	run --separate-stderr "$GPIPE" --strict "parse 'a={a}' | head 1" in.log
	[ "$status" -eq 2 ]
	[ "$output" = "a=1" ]
}

@test "CRLF: a CR before the line end is not part of the last value, for every parser" {
	need_json
	json_is 'fields' $'a b c\r\n' '{"1":"a","2":"b","3":"c"}'
	json_is 'fields -d ,' $'a,b\r\n,\r\n' '{"1":"a","2":"b"}' '{"1":"","2":""}'
	json_is "parse '{x} {y}'" $'a b c\r\n' '{"x":"a","y":"b c"}'
	json_is 'parse -r "=(?<v>.*)"' $'k=ab\r\n' '{"v":"ab"}'
	json_is 'logfmt' $'k=v q="x y"\r\n' '{"k":"v","q":"x y"}'
	json_is 'csv' $'h1,h2\r\n1,"two"\r\n' '{"h1":1,"h2":"two"}'
	json_is 'tsv' $'h1\th2\r\n1\tx\r\n' '{"h1":1,"h2":"x"}'
	json_is 'json' $'{"a":"x"}\r\n' '{"a":"x"}'
	# $N without a parser splits as awk does: the CR stays in the last word
	printf 'a b c\r\nx \r\n' > crlf.txt
	"$GPIPE" 'format "{$NF}|{$2}"' crlf.txt > got
	awk '{print $NF "|" $2}' crlf.txt > want
	cmp got want
	"$GPIPE" 'fields | format "{$NF}|{$2}"' crlf.txt > got
	printf 'c|b\nx|\n' > want
	cmp got want
}

@test "CRLF: records that pass a parser keep their CR on output, as grep prints them" {
	printf 'h1,h2\r\n1,2\r\n' > in.csv
	"$GPIPE" csv in.csv > got
	printf '1,2\r\n' > want
	cmp got want
	printf 'a=1 b=x\r\n' > in.log
	"$GPIPE" "parse 'a={a} b={b}' | where b == \"x\"" in.log > got
	cmp got in.log
	"$GPIPE" 'logfmt | where b == "x"' in.log > got
	cmp got in.log
}
