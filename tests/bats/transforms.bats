#!/usr/bin/env bats
# select/cut, format, number, replace, uniq, sample, split, multiline: exact
# output, exact diagnostics with carets, and differential runs against the
# tools that do the same (awk '{print $1, $3}', cat -n, sed -E s///g, uniq,
# uniq -c, awk -F).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	T=$BATS_TEST_TMPDIR
	JAVA=$FIXTURES/java-trace.log
	PY=$FIXTURES/python-trace.log
}

# gin INPUT EXPR [ARGS...]: runs gpipe EXPR on printf-formatted INPUT.
gin() {
	local input=$1
	shift
	run --separate-stderr bash -c 'printf "$1" | "$GPIPE" "${@:2}"' _ "$input" "$@"
}

# same GOT WANT: files equal, else a short diff.
same() {
	if ! cmp -s "$1" "$2"; then
		echo "output differs: got $(wc -c <"$1") bytes, want $(wc -c <"$2")"
		diff <(cat -v "$2") <(cat -v "$1") | head -n 10
		return 1
	fi
}

need_json() {
	"$GPIPE" --list-stages | grep -qx json || skip "json stage not built"
}

# Lines of 3 to 8 words of letters, digits and '=' (deterministic: python's
# seeded generator, not awk's rand(), which differs between mawk and gawk).
make_words() {
	python3 - "$1" "${2:-3000}" <<'PY'
import random, sys
rnd = random.Random(7)
al = "abxyz01239=_"
with open(sys.argv[1], "w") as f:
    for _ in range(int(sys.argv[2])):
        words = []
        for w in range(rnd.randint(3, 8)):
            t = "".join(rnd.choice(al) for _ in range(rnd.randint(1, 7)))
            words.append(("  " if rnd.random() < 0.2 else " ") + t if w else t)
        f.write("".join(words) + "\n")
PY
}

# --- select / cut ------------------------------------------------------------

@test "select on plain text prints what awk '{print \$1, \$3}' prints" {
	make_words words.txt 20000
	"$GPIPE" 'select $1 $3' words.txt >got
	awk '{print $1, $3}' words.txt >want
	same got want
	"$GPIPE" 'cut $3 $1 $NF' words.txt >got
	awk '{print $3, $1, $NF}' words.txt >want
	same got want
}

@test "select: missing fields are empty in table rows (as awk's print); the new fields are named as written" {
	gin 'a b c\nx y\n\none\n' 'select $1 $3'
	ok_out 'a c' 'x ' ' ' 'one '
	printf 'a b c\nx y\n\none\n' > in.txt
	awk '{print $1, $3}' in.txt > want
	"$GPIPE" 'select $1 $3' in.txt > got
	same got want
	gin 'a,b\n' 'fields -d , | select $3 $1'
	ok_out ',a'
	gin 'h1,h2\n1,2\n' 'csv | select h2 nope h1'
	ok_out '2,,1'
	gin 'a b c\n' 'select $3 $1 | format "{3}/{1}/{$1}"'
	ok_out 'c/a/c'
	gin 'a b c\n' 'select $3 $1 | select $2'
	ok_out 'a'
	gin 'a b c\n' 'select $0 $NF | format "[{0}] [{NF}]"'
	ok_out '[a b c c] [c]'
}

@test "select _file _line _member" {
	printf 'a\nb\n' >in.txt
	run --separate-stderr "$GPIPE" 'select _file _line _member | format "{_file}={1}:{_line}"' in.txt
	ok_out 'in.txt=:1' 'in.txt=:2'
	run --separate-stderr "$GPIPE" 'select _file _line $1' in.txt
	ok_out 'in.txt 1 a' 'in.txt 2 b'
}

@test "select on JSON keeps the types and the JSON layout" {
	need_json
	gin '{"a":1,"b":"x"}\n' 'json | select b a'
	ok_out '{"b":"x","a":1}'
	gin '{"a":{"h":"q\\"x"},"t":[1,2]}\n{"b":2}\n' 'json | select a.h t[1] missing'
	ok_out '{"a.h":"q\"x","t[1]":2}' '{}'
}

@test "select: bad references fail at open with a caret" {
	diag 'select' \
		'gpipe: select: missing FIELD' \
		'  select' \
		'  ^^^^^^'
	diag 'select a..b' \
		'gpipe: select: empty name in field path' \
		'  select a..b' \
		'           ^'
	diag 'cut $1 ${x' \
		"gpipe: select: '\${' without a closing '}'" \
		'  cut $1 ${x' \
		'          ^'
}

# --- format ------------------------------------------------------------------

@test "format: fields, the record, braces, missing fields" {
	gin 'a b c\n' 'format "[{$2}] {{x}} {0}|{$0} {_line} <{nope}> {$NF}}"'
	ok_out '[b] {x} a b c|a b c 1 <> c}'
	gin 'one\n\n' 'format "<{$1}>"'
	ok_out '<one>' '<>'
	gin 'x\n' 'format ""'
	ok_out ''
}

@test "format keeps the fields of the record" {
	gin 'a b c\n' 'select $2 $3 | format "{2}{3}" | select 3'
	ok_out 'c'
}

@test "format on JSON: decoded strings, nested values, paths" {
	need_json
	gin '{"ts":"2024","req":{"host":"h\\u00e9"},"n":1.5,"o":{"k":[1,true]}}\n' \
		'json | format "{ts} {req.host} {n} {o} {o.k[1]} {missing}."'
	ok_out "2024 hé 1.5 {\"k\":[1,true]} true ."
}

@test "format: template errors fail at open with a caret" {
	diag 'format "a {b"' \
		"gpipe: format: '{' without a closing '}' (write {{ for a brace)" \
		'  format "a {b"' \
		'            ^'
	diag 'format "x{}"' \
		"gpipe: format: empty field name in '{}' (write {{}} for braces)" \
		'  format "x{}"' \
		'           ^^'
	diag 'format "{a..b}"' \
		'gpipe: format: empty name in field path' \
		'  format "{a..b}"' \
		'             ^'
	diag 'format' \
		'gpipe: format: missing TEMPLATE' \
		'  format' \
		'  ^^^^^^'
	diag 'format {a} {b}' \
		"gpipe: format: unexpected argument '{b}' (quote the template: format \"{a} {b}\")" \
		'  format {a} {b}' \
		'             ^^^'
}

# --- number ------------------------------------------------------------------

@test "number is cat -n, across batches and inputs" {
	seq 1 150000 | sed 's/^/line /' >a.txt
	printf 'x\n\ny\n' >b.txt
	"$GPIPE" number a.txt b.txt >got
	cat a.txt b.txt | cat -n >want
	same got want
	gin 'p\nq\n' 'grep q | number'
	ok_out "$(printf '     1\tq')"
	diag 'number 3' \
		"gpipe: number: unexpected argument '3'" \
		'  number 3' \
		'         ^'
}

# --- replace -----------------------------------------------------------------

@test "replace agrees with sed -E s///g on generated lines" {
	make_words words.txt 3000
	local pats=(
		'[0-9]+|#'
		'x*|-'
		'a?|<>'
		'([a-z]+)=([0-9]+)|$2:$1'
		'^|>'
		'$|<'
		'(b|y)z|[$1]'
		'[[:digit:]]{2}|D'
		' +|_'
		'^([^ ]*) ([^ ]*)|$2 $1'
		'z|$0$0'
		'=$|END'
	)
	local p pat rep sedrep fails=0
	for p in "${pats[@]}"; do
		pat=${p%%|*}
		[[ $p == *'|'*'|'* ]] && pat=${p%|*}
		rep=${p##*|}
		sedrep=$(printf '%s' "$rep" | sed -E 's/\$0/\&/g; s/\$([1-9])/\\\1/g')
		"$GPIPE" "replace \"$pat\" \"$rep\"" words.txt >got
		sed -E "s/$pat/$sedrep/g" words.txt >want
		if ! cmp -s got want; then
			echo "replace '$pat' '$rep' differs from sed -E 's/$pat/$sedrep/g':"
			diff want got | head -n 4
			fails=$((fails + 1))
		fi
	done
	[ "$fails" -eq 0 ]
}

@test "replace: empty matches as sed -E 's/x*/-/g'" {
	gin 'abc\nxxa\n\nax\n' 'replace "x*" "-"'
	ok_out '-a-b-c-' '-a-' '-' '-a-'
	printf 'abc\nxxa\n\nax\n' | sed -E 's/x*/-/g' >want
	printf 'abc\nxxa\n\nax\n' | "$GPIPE" 'replace "x*" "-"' >got
	same got want
}

@test "replace: \$0, \${N}, \${name}, \$\$, -i, -F, lookbehind" {
	gin 'k=12 j=3\n' 'replace "(?<key>\w+)=(\d+)" "${key}:${2}[$0]$$"'
	ok_out 'k:12[k=12]$ j:3[j=3]$'
	gin 'ABC abc\n' 'replace -i b _'
	ok_out 'A_C a_c'
	gin 'a.b axb\n' 'replace -F a.b X'
	ok_out 'X axb'
	gin 'a.b axb\n' 'replace a.b X'
	ok_out 'X X'
	gin 'ab cb b\n' 'replace "(?<=c)b" B'
	ok_out 'ab cB b'
	gin 'nothing here\n' 'replace zzz y'
	ok_out 'nothing here'
	gin 'a1b2\n' 'replace "(x)?\d" "<$1>"'
	ok_out 'a<>b<>'
}

@test "replace -f: one field only" {
	gin 'a1 b22  c333\nshort\n' 'replace -f $2 "[0-9]" "#"'
	ok_out 'a1 b##  c333' 'short'
	gin 'a1 b22 c333\n' 'replace -f $NF "3" ""'
	ok_out 'a1 b22 c'
	gin 'a1 b2 c3\n' 'select $1 $2 | replace -f 2 "\d" "X"'
	ok_out 'a1 bX'
	gin 'a1 b2 c3\n' 'select $1 $2 | replace -f nope "\d" "X"'
	ok_out 'a1 b2'
}

@test "replace -f on JSON rebuilds the JSON" {
	need_json
	gin '{"path":"/u/42/x","n":12,"s":"a\\"b"}\n' 'json | replace -f path "/\d+" "/:id" | replace -f n 2 3 | replace -f s "\"" "Q"'
	ok_out '{"path":"/u/:id/x","n":13,"s":"aQb"}'
}

@test "replace: bad patterns and references fail at open with a caret" {
	diag 'replace "(a" x' \
		"gpipe: replace: invalid regex '(a': missing closing parenthesis" \
		'  replace "(a" x' \
		'             ^'
	diag 'replace "(a)" "x$2"' \
		'gpipe: replace: no group 2 in the pattern (it has 1)' \
		'  replace "(a)" "x$2"' \
		'                  ^^'
	diag 'replace a "$x"' \
		"gpipe: replace: '\$' must be followed by a group number, {NAME} or \$ (write \$\$ for a dollar)" \
		'  replace a "$x"' \
		'             ^^'
	diag 'replace "(?<n>a)" "${m}"' \
		"gpipe: replace: the pattern has no group named 'm'" \
		'  replace "(?<n>a)" "${m}"' \
		'                     ^^^^'
	diag 'replace a "${1"' \
		"gpipe: replace: '\${' without a closing '}'" \
		'  replace a "${1"' \
		'             ^^'
	diag 'replace a' \
		'gpipe: replace: missing REPLACEMENT' \
		'  replace a' \
		'          ^'
	diag 'replace a b c' \
		"gpipe: replace: unexpected argument 'c'" \
		'  replace a b c' \
		'              ^'
}

# --- uniq --------------------------------------------------------------------

@test "uniq and uniq -c agree with coreutils, runs across batches" {
	{
		seq 1 60000 | awk '{print int($1 / 7)}'
		yes same | head -n 300000
		printf '\n\nlast\nlast\n'
	} >in.txt
	"$GPIPE" uniq in.txt >got
	uniq in.txt >want
	same got want
	"$GPIPE" 'uniq -c' in.txt >got
	uniq -c in.txt >want
	same got want
}

@test "uniq: adjacent duplicates across inputs; -n shows the first line" {
	printf 'a\nb\n' >f1
	printf 'b\nb\nc\n' >f2
	run --separate-stderr "$GPIPE" uniq f1 f2
	ok_out a b c
	run --separate-stderr "$GPIPE" 'uniq -c' f1 f2
	ok_out '      1 a' '      3 b' '      1 c'
	run --separate-stderr "$GPIPE" -Hn 'uniq -c' f1 f2
	ok_out 'f1:1:      1 a' 'f1:2:      3 b' 'f2:3:      1 c'
	gin '' 'uniq -c'
	[ "$status" -eq 1 ] && [ -z "$output" ] && [ -z "$stderr" ]
	diag 'uniq x' \
		"gpipe: uniq: unexpected argument 'x'" \
		'  uniq x' \
		'       ^'
}

# --- sample ------------------------------------------------------------------

@test "sample: N at least the input keeps everything in order" {
	gin 'a\nb\nc\n' 'sample 3'
	ok_out a b c
	gin 'a\nb\nc\n' 'sample 10'
	ok_out a b c
	gin 'a\nb\nc\n' 'sample 0'
	[ "$status" -eq 1 ] && [ -z "$output" ] && [ -z "$stderr" ]
}

@test "sample --seed: stable output, in input order, every record reachable" {
	seq 1 10 >ten.txt
	local s seen="" a b
	for s in $(seq 1 50); do
		a=$("$GPIPE" --seed "$s" 'sample 3' ten.txt)
		b=$("$GPIPE" --seed "$s" 'sample 3' ten.txt)
		[ "$a" = "$b" ] || { echo "seed $s: $a vs $b"; return 1; }
		[ "$(printf '%s\n' "$a" | wc -l)" -eq 3 ] || { echo "seed $s: $a"; return 1; }
		[ "$(printf '%s\n' "$a" | sort -n | uniq)" = "$a" ] || { echo "seed $s: not in order: $a"; return 1; }
		seen="$seen $a"
	done
	for s in $(seq 1 10); do
		[[ " $(echo $seen) " == *" $s "* ]] || { echo "record $s never sampled"; return 1; }
	done
	# A fixed seed gives a fixed sample (the generator is part of the format).
	run --separate-stderr "$GPIPE" --seed 42 'sample 3' ten.txt
	[ "$status" -eq 0 ]
	local first=$output
	seq 1 100000 >big.txt
	run --separate-stderr "$GPIPE" --seed 42 'sample 5' big.txt
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -eq 5 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -n)" = "$output" ]
	[ -n "$first" ]
}

@test "sample: argument errors" {
	diag 'sample' \
		'gpipe: sample: missing N (how many records to keep)' \
		'  sample' \
		'  ^^^^^^'
	diag 'sample x' \
		"gpipe: sample: 'x' is not a count" \
		'  sample x' \
		'         ^'
}

# --- split -------------------------------------------------------------------

@test "split: blank runs like awk's fields, SEP like awk -F" {
	make_words words.txt 3000
	"$GPIPE" split words.txt >got
	awk '{for (i = 1; i <= NF; i++) print $i}' words.txt >want
	same got want
	"$GPIPE" 'split =' words.txt >got
	awk -F= '{for (i = 1; i <= NF; i++) print $i}' words.txt >want
	same got want
	gin ' a  b \nc,,d\n\n' 'split ,'
	ok_out ' a  b ' c '' d
	gin 'a::b:c::\n' 'split ::'
	ok_out a b:c ''
}

@test "split -r: cut at regex matches, empty pieces kept, empty matches ignored" {
	gin 'a, b;c,,d\n\nx\n' 'split -r "[;,] *"'
	ok_out a b c '' d x
	gin 'abc\n' 'split -r "x*"'
	ok_out abc
	gin 'a1b22c3\n' 'split -r "\d"'
	ok_out a b '' c ''
	make_words words.txt 2000
	"$GPIPE" 'split -r "=+"' words.txt >got
	awk -F'=+' '{for (i = 1; i <= NF; i++) print $i}' words.txt >want
	same got want
	diag 'split -r "("' \
		"gpipe: split: invalid regex '(': missing closing parenthesis" \
		'  split -r "("' \
		'             ^'
	diag 'split -r a b' \
		"gpipe: split: unexpected argument 'b' (-r REGEX and SEP exclude each other)" \
		'  split -r a b' \
		'             ^'
}

@test "split: pieces keep the line number and origin" {
	printf 'a b\n\nc\n' >in.txt
	run --separate-stderr "$GPIPE" -Hn split in.txt
	ok_out in.txt:1:a in.txt:1:b in.txt:3:c
	diag 'split ""' \
		'gpipe: split: empty separator' \
		'  split ""' \
		'        ^^'
	diag 'split a b' \
		"gpipe: split: unexpected argument 'b' (SEP is one string; quote it)" \
		'  split a b' \
		'          ^'
}

# --- multiline ---------------------------------------------------------------

@test "multiline -c joins Java stack traces" {
	run --separate-stderr "$GPIPE" -n 'multiline -c "^([\w.$]+(Exception|Error)\b|\s+at |\s+\.\.\. \d+ more|Caused by:)" | replace "\n" "|" | replace -F "	at " "@" | format "{$1}"' "$JAVA"
	ok_out 1:2024-06-01 2:2024-06-01 3:2024-06-01 9:2024-06-01 10:2024-06-01 19:2024-06-01 \
		20:2024-06-01 24:2024-06-01
	run --separate-stderr "$GPIPE" 'multiline -c "^([\w.$]+(Exception|Error)\b|\s+at |\s+\.\.\. \d+ more|Caused by:)" | grep "more$" | replace "\n" "|" | replace -F "	at " "@"' "$JAVA"
	ok_out '2024-06-01 12:00:09.331 ERROR [http-nio-8080-exec-5] c.e.shop.web.CheckoutController - Checkout failed for cart 9913|org.springframework.dao.DataAccessResourceFailureException: Unable to acquire JDBC Connection|@org.springframework.orm.jpa.vendor.HibernateJpaDialect.convertHibernateAccessException(HibernateJpaDialect.java:277)|@com.example.shop.service.CheckoutService.checkout(CheckoutService.java:58)|@com.example.shop.web.CheckoutController.post(CheckoutController.java:33)|Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.|@com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)|@com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)|	... 12 more'
}

@test "multiline START | grep -F NullPointerException | head 5" {
	run --separate-stderr "$GPIPE" 'multiline "^\d{4}-" | grep -F NullPointerException | head 5' "$JAVA"
	ok_out '2024-06-01 12:00:07.902 ERROR [http-nio-8080-exec-3] c.e.shop.web.OrderController - Request failed: GET /orders/42' \
		'java.lang.NullPointerException: Cannot invoke "com.example.shop.Customer.getId()" because "customer" is null' \
		'	at com.example.shop.service.OrderService.load(OrderService.java:87)' \
		'	at com.example.shop.web.OrderController.get(OrderController.java:41)' \
		'	at java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(DirectMethodHandleAccessor.java:103)' \
		'	at java.base/java.lang.reflect.Method.invoke(Method.java:580)' \
		'2024-06-01 12:00:11.774 ERROR [http-nio-8080-exec-7] c.e.shop.web.OrderController - Request failed: GET /orders/77' \
		'java.lang.NullPointerException: Cannot read field "total" because "order" is null' \
		'	at com.example.shop.service.OrderService.total(OrderService.java:112)' \
		'	at com.example.shop.web.OrderController.summary(OrderController.java:64)'
	run --separate-stderr "$GPIPE" -Hn 'multiline "^\d{4}-" | grep -F NullPointerException | format "{$1} {$4}"' "$JAVA"
	ok_out "$JAVA:3:2024-06-01 [http-nio-8080-exec-3]" "$JAVA:20:2024-06-01 [http-nio-8080-exec-7]"
}

@test "multiline -c joins Python tracebacks, chained ones included" {
	run --separate-stderr "$GPIPE" -n 'multiline -c "^(\s|Traceback |During handling |The above exception |[\w.]+(Error|Exception|Warning|Exit|Interrupt)\b|$)" | replace "\n" "|" | replace "\|\s+" "|"' "$PY"
	ok_out '1:2024-06-01 12:00:01,100 INFO worker: started with 4 threads' \
		"2:2024-06-01 12:00:03,250 ERROR worker: job 17 failed|Traceback (most recent call last):|File \"/srv/app/worker.py\", line 88, in run|result = handler(job)|File \"/srv/app/handlers.py\", line 21, in resize|width = int(job[\"width\"])|ValueError: invalid literal for int() with base 10: 'wide'" \
		'9:2024-06-01 12:00:04,010 INFO worker: job 18 done' \
		"10:2024-06-01 12:00:05,600 ERROR worker: job 19 failed|Traceback (most recent call last):|File \"/srv/app/handlers.py\", line 30, in fetch|data = cache[key]|KeyError: 'img-19'||During handling of the above exception, another exception occurred:||Traceback (most recent call last):|File \"/srv/app/worker.py\", line 88, in run|result = handler(job)|File \"/srv/app/handlers.py\", line 33, in fetch|raise FetchError(key)|app.errors.FetchError: img-19" \
		'24:2024-06-01 12:00:06,000 INFO worker: shutting down'
}

@test "multiline: lines before the first START; records never span inputs" {
	printf '  orphan 1\n  orphan 2\nS one\n  c\n' >a.txt
	printf '  b-orphan\nS two\n' >b.txt
	run --separate-stderr "$GPIPE" -Hn 'multiline "^S" | replace "\n" "|"' a.txt b.txt
	ok_out 'a.txt:1:  orphan 1|  orphan 2' 'a.txt:3:S one|  c' 'b.txt:1:  b-orphan' 'b.txt:2:S two'
	run --separate-stderr "$GPIPE" -n 'multiline -c "^ " | replace "\n" "|"' a.txt b.txt
	ok_out '1:  orphan 1|  orphan 2' '3:S one|  c' '1:  b-orphan' '2:S two'
	gin '' 'multiline x'
	[ "$status" -eq 1 ] && [ -z "$output" ] && [ -z "$stderr" ]
}

# The reference: awk joining lines that do not start with "2024-" with "|".
awk_join() {
	awk '/^2024-/ { if (NR > 1) print buf; buf = $0; next }
		{ buf = (NR > 1 ? buf "|" : "") $0 } END { if (NR) print buf }' "$@"
}

@test "multiline over many batches equals an awk join, in span and record form" {
	python3 - <<'PY' >log.txt
import random
rnd = random.Random(3)
out = []
for i in range(1, 120001):
    if rnd.random() < 0.9:
        out.append("2024-06-01 event %d %s" % (i, "x" * (i % 37)))
    else:
        out.extend("\tat frame %d of %d" % (k, i) for k in range(rnd.randrange(40)))
out.append("\tat trailing")
print("\n".join(out))
PY
	awk_join log.txt >want
	"$GPIPE" 'multiline "^2024-" | replace "\n" "|"' log.txt >got
	same got want
	# records form without contiguous lines (tail keeps copies)
	"$GPIPE" 'tail 1000000 | multiline "^2024-" | replace "\n" "|"' log.txt >got
	same got want
	"$GPIPE" 'multiline -c "^\t" | replace "\n" "|"' log.txt >got
	same got want
}

@test "multiline: --max-record splits an overlong record and says so once per input" {
	for i in 1 2 3; do
		printf 'S %s\n' "$i"
		printf '  continued line number one for %s\n' "$i"
		printf '  continued line number two for %s\n' "$i"
	done >m.txt
	cp m.txt m2.txt
	run --separate-stderr "$GPIPE" --max-record 60 -n 'multiline "^S" | replace "\n" "|"' m.txt m2.txt
	[ "$status" -eq 2 ]
	[ "$output" = "$(printf '%s\n' \
		'1:S 1|  continued line number one for 1' '3:  continued line number two for 1' \
		'4:S 2|  continued line number one for 2' '6:  continued line number two for 2' \
		'7:S 3|  continued line number one for 3' '9:  continued line number two for 3' \
		'1:S 1|  continued line number one for 1' '3:  continued line number two for 1' \
		'4:S 2|  continued line number one for 2' '6:  continued line number two for 2' \
		'7:S 3|  continued line number one for 3' '9:  continued line number two for 3')" ]
	[ "$stderr" = "$(printf '%s\n' \
		'gpipe: multiline: m.txt:3: record reached --max-record (60 bytes); continued as a new record' \
		'gpipe: multiline: m2.txt:3: record reached --max-record (60 bytes); continued as a new record')" ]
}

@test "multiline: argument errors with a caret" {
	diag 'multiline' \
		'gpipe: multiline: missing START (or -c CONTINUE), a regex' \
		'  multiline' \
		'  ^^^^^^^^^'
	diag 'multiline "(a"' \
		"gpipe: multiline: invalid regex '(a': missing closing parenthesis" \
		'  multiline "(a"' \
		'               ^'
	diag 'multiline -c x y' \
		"gpipe: multiline: unexpected argument 'y' (-c CONTINUE and START exclude each other)" \
		'  multiline -c x y' \
		'                 ^'
}

# --- all together --------------------------------------------------------------

@test "the stages are in the registry with help" {
	local s
	for s in select format number replace uniq sample split multiline; do
		"$GPIPE" --list-stages | grep -qx "$s" || { echo "$s not listed"; return 1; }
		"$GPIPE" help "$s" >/dev/null || { echo "no help for $s"; return 1; }
	done
	run --separate-stderr "$GPIPE" help cut
	[ "$status" -eq 0 ] && [[ ${lines[0]} == select* ]]
}

@test "replace: a record whose text changes loses its fields; --explain shows the stages" {
	gin 'a b c\n' 'select $1 $2 | replace a X | format "[{1}] {0}"'
	ok_out '[] X b'
	gin 'a b c\n' 'select $1 $2 | replace zz X | format "[{1}] {0}"'
	ok_out '[a] a b'
	run --separate-stderr "$GPIPE" --seed 3 --explain 'cut $1 a | format "{a}" | number | replace -i -f $1 "(a)" "$1" | uniq -c | sample 3 | split , | multiline -c "^\s"' "$ABSENT"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '4,11p' | sed 's/  \[pcre2[-a-z]*\]$//')" = "$(printf '%s\n' \
		'select   $1 a' \
		"format   '{a}'" \
		'number' \
		"replace  -f \$1 -i '(a)' '\$1'" \
		'uniq     -c' \
		'sample   3  [seeded]' \
		"split    ','" \
		"multiline -c '^\\s'")" ]
}

@test "-z: records end with NUL; multiline still joins with a newline" {
	run --separate-stderr bash -c 'printf "a\0a\0b c\0" | "$GPIPE" -z "uniq -c | split" | od -An -c -w100 | tr -s " "'
	[ "$status" -eq 0 ] && [ "$output" = ' 2 \0 a \0 1 \0 b \0 c \0' ] || { echo "$output"; return 1; }
	run --separate-stderr bash -c 'printf "S1\0 x\0S2\0" | "$GPIPE" -z "multiline ^S | number" | od -An -c -w100 | tr -s " "'
	[ "$status" -eq 0 ] && [ "$output" = ' 1 \t S 1 \n x \0 2 \t S 2 \0' ] || { echo "$output"; return 1; }
}

@test "memcheck: the transform stages free what they allocate" {
	valgrind_setup
	vg 0 -Hn 'multiline "^\d{4}-" | replace "(\d+)" "<$1>" | uniq -c | number' "$JAVA" "$PY"
	vg 0 'select $2 $1 | format "{1}:{2}" | split : | replace -f $1 x y' "$JAVA"
	vg 0 --seed 1 'tail 100 | multiline -c "^\s" | sample 3 | cut $1 _line' "$JAVA" "$PY"
	vg 2 --max-record 100 'multiline -c "^\s"' "$JAVA"
}

@test "sample: memory follows the records kept, not N" {
	no_asan
	seq 1 1000 >in.txt
	run --separate-stderr bash -c 'ulimit -v 300000; "$GPIPE" "sample 16777216 | count" in.txt'
	ok_out 1000
}

@test "one field-reference syntax in every stage: \${any text} as a whole name or a segment of a path" {
	printf '%s\n' '{"start time":"t0","grpc.method":"Foo","nested":{"user.name":"ann","user":{"name":"bob"},"a b":[1,2]},"nested.user.name":"flat","k}":3}' > d.jsonl
	run --separate-stderr "$GPIPE" 'json | format "{${start time}}|{nested.${user.name}}|{nested.user.name}|{nested.${user}.name}|{${grpc.method}}|{${k\}}}|{{x}}"' d.jsonl
	ok_out 't0|ann|flat|bob|Foo|3|{x}'
	run --separate-stderr "$GPIPE" 'json | where ${start time} == "t0" and nested.${user.name} == "ann" and nested.${a b}[-1] == 2 | select ${start time} nested.${user.name}' d.jsonl
	ok_out '{"start time":"t0","nested.${user.name}":"ann"}'
	run --separate-stderr "$GPIPE" 'json | set ${who is} = concat(nested.${user.name}, "/", ${grpc.method}) | select ${who is}' d.jsonl
	ok_out '{"who is":"ann/Foo"}'
	run --separate-stderr "$GPIPE" 'json | explode nested.${a b} | select ${start time} nested.${a b}' d.jsonl
	ok_out '{"start time":"t0","nested.${a b}":1}' '{"start time":"t0","nested.${a b}":2}'
	run --separate-stderr "$GPIPE" 'json | replace -f ${start time} t T | format "{${start time}}"' d.jsonl
	ok_out 'T0'
	run --separate-stderr "$GPIPE" -o csv 'json | select ${start time} nested.${user.name}' d.jsonl
	ok_out 'start time,nested.${user.name}' 't0,ann'
	# Errors point at the reference.
	diag 'format "{nested.${user.name}"' "gpipe: format: '{' without a closing '}' (write {{ for a brace)" \
		'  format "{nested.${user.name}"' '          ^'
	diag 'format "{${a}b}"' "gpipe: format: expected '.' or '[' after '}'" \
		'  format "{${a}b}"' '               ^'
	diag 'select a.${b' "gpipe: select: '\${' without a closing '}'" '  select a.${b' '            ^'
	diag 'where nested.${user.name == 1' "gpipe: where: '\${' without a closing '}'" \
		'  where nested.${user.name == 1' '                ^'
	diag 'replace -f nested.${user.name} a b' \
		"gpipe: replace: -f cannot change a value inside 'nested.\${user.name}': name a top-level field" \
		'  replace -f nested.${user.name} a b' '             ^^^^^^^^^^^^^^^^^^^'
}

@test "--max-record bounds the records transforms build: reported once per input, skipped, exit 2" {
	python3 -c "print('a' * 1000000); print('short a')" > big.log
	python3 -c "import sys; sys.stdout.buffer.write(b'{\"a\":\"' + b'\xff' * 300000 + b'\",\"t\":[1,2]}\n{\"a\":\"x\",\"t\":[3]}\n')" > bad.jsonl
	msg() { echo "gpipe: $1: 1 record of $2 is longer than --max-record once rebuilt, skipped (line 1: more than $3 bytes)"; }
	run --separate-stderr "$GPIPE" --max-record 2M 'replace "" XXXXXXXXXX | replace "" XXXXXXXXXX' big.log
	want=$(python3 -c "import re; print(re.sub('', 'X' * 10, re.sub('', 'X' * 10, 'short a')))")
	[ "$status" -eq 2 ] && [ "$output" = "$want" ] && [ "$stderr" = "$(msg replace big.log 2097152)" ]
	run --separate-stderr "$GPIPE" --max-record 2M 'replace -f $1 "" XXXXXXXXXX | count' big.log
	[ "$status" -eq 2 ] && [ "$output" = 1 ] && [ "$stderr" = "$(msg replace big.log 2097152)" ]
	run --separate-stderr "$GPIPE" --max-record 2M 'select $1 $1 $1 | count' big.log
	[ "$status" -eq 2 ] && [ "$output" = 1 ] && [ "$stderr" = "$(msg select big.log 2097152)" ]
	run --separate-stderr "$GPIPE" --max-record 2M 'format "{0}{0}{0}" | count' big.log big.log
	[ "$status" -eq 2 ] && [ "$output" = 2 ] &&
		[ "$stderr" = "$(msg format big.log 2097152; msg format big.log 2097152)" ]
	run --separate-stderr "$GPIPE" --max-record 2M 'set b = $1 + $1 + $1 | count' big.log
	[ "$status" -eq 2 ] && [ "$output" = 1 ] && [ "$stderr" = "$(msg set big.log 2097152)" ]
	# each invalid byte becomes \ufffd (6 bytes) when the JSON text is rebuilt
	run --separate-stderr "$GPIPE" --max-record 1M 'json | explode t' bad.jsonl
	[ "$status" -eq 2 ] && [ "$output" = '{"a":"x","t":3}' ] &&
		[ "$stderr" = "gpipe: explode: 2 records of bad.jsonl are longer than --max-record once rebuilt, skipped (first at line 1: more than 1048576 bytes)" ]
	# within the bound nothing changes
	run --separate-stderr "$GPIPE" --max-record 12M 'replace "" XXXXXXXXXX | count' big.log
	[ "$status" -eq 0 ] && [ "$output" = 2 ] && [ -z "$stderr" ]
}
