#!/usr/bin/env bats
# json (JSON Lines to fields), explode, and structured output (-o json, tsv,
# csv): differential against jq on generated JSON, exact output, every kind of
# malformed record with its exact summary, CSV round trips through python3's
# csv module and Miller.

bats_require_minimum_version 1.5.0
load helpers

# err_is STATUS STDERR: the last `run` exited STATUS with exactly STDERR.
err_is() {
	if [ "$status" -ne "$1" ] || [ "$stderr" != "$2" ]; then
		printf 'status %s (want %s)\n--- stderr:\n%s\n--- wanted:\n%s\n' \
			"$status" "$1" "$stderr" "$2"
		return 1
	fi
}

# gen_json N SEED: N random JSON Lines records (nested objects, arrays,
# escapes, \u surrogate pairs, raw UTF-8, control characters, canonical
# numbers, booleans, null), with random spacing and escaping styles.
gen_json() {
	python3 - "$1" "$2" <<'EOF'
import json, random, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
random.seed(seed)
CH = ['a', 'b', 'Z', ' ', '\t', '\n', '"', '\\', '/', '\u00e9', '\u20ac', '\U0001F600',
      '\u0001', '\u001f', '\u007f', 'x', '\u2028', '.', '[']
def s(): return ''.join(random.choice(CH) for _ in range(random.randint(0, 8)))
def num(): return random.choice([0, -1, 7, 123456789, -42, 1.5, -0.25, 3.125, 10**15])
def val(d):
    k = random.randint(0, 7 if d < 5 else 4)
    if k in (0, 4): return s()
    if k == 1: return num()
    if k == 2: return random.choice([True, False])
    if k == 3: return None
    if k == 5: return [val(d + 1) for _ in range(random.randint(0, 4))]
    return {s(): val(d + 1) for _ in range(random.randint(0, 4))}
for i in range(n):
    o = {s(): val(0) for _ in range(random.randint(0, 6))}
    seps = random.choice([(',', ':'), (', ', ': ')])
    print(json.dumps(o, ensure_ascii=random.choice([True, False]), separators=seps))
EOF
}

# --- json: differential against jq ------------------------------------------------

@test "json -o json means what jq -c . means, on 400 generated records" {
	need jq
	need python3
	gen_json 400 7 > gen.jsonl
	"$GPIPE" -o json json gen.jsonl > ours.jsonl
	jq -c . ours.jsonl > ours.norm
	jq -c . gen.jsonl > jq.norm
	cmp ours.norm jq.norm
	[ "$(wc -l < ours.jsonl)" -eq 400 ]
}

@test "json -o json is byte for byte jq -c . on compact records without escapes" {
	need jq
	cat > plain.jsonl <<'EOF'
{"ts":"2024-06-01T12:00:00Z","level":"INFO","status":200,"path":"/api/v1/users/123","latency_ms":12.5,"req":{"method":"GET","headers":{"host":"a.example"}},"tags":["x","y"]}
{"a":-0,"b":[],"c":{},"d":[[],[{}]],"e":true,"f":false,"g":null,"h":"caf\u00e9"}
{"nested":{"deep":{"deeper":[1,[2,[3,[4]]]]}},"u":"€😀"}
EOF
	"$GPIPE" -o json json plain.jsonl > ours
	jq -c . plain.jsonl | sed 's/café/caf\\u00e9/' > theirs
	diff ours theirs
}

@test "json -o json: blanks between tokens go, values keep their text" {
	printf '%s\n' '  { "a" : 1 , "b" : [ 1 , { "c" : "d" } ] , "e" : 1.0e2 }  ' > sp.jsonl
	run --separate-stderr "$GPIPE" -o json json sp.jsonl
	out_is 0 '{"a":1,"b":[1,{"c":"d"}],"e":1.0e2}'
}

@test "json -o tsv agrees with jq @tsv on scalar fields" {
	need jq
	need python3
	python3 - > tab.jsonl <<'EOF'
import json, random
random.seed(3)
CH = ['a', ' ', '\t', '\n', '\r', '\\', '"', ',', '\u00e9', '\U0001F600', 'q']
def s(): return ''.join(random.choice(CH) for _ in range(random.randint(0, 6)))
for i in range(200):
    print(json.dumps({"a": s(), "b": random.choice([1, -2.5, 100, True, False, s()]),
                      "c": s()}, ensure_ascii=random.choice([True, False])))
EOF
	"$GPIPE" -o tsv json tab.jsonl > ours
	{ printf 'a\tb\tc\n'; jq -r '[.a, .b, .c] | @tsv' tab.jsonl; } > theirs
	diff ours theirs
}

@test "json: a nested path through explode agrees with jq .c.d[]" {
	need jq
	printf '%s\n' '{"a":1,"c":{"d":[1,"x",{"y":[2]},null]}}' '{"a":2,"c":{"d":[]}}' \
		'{"a":3,"c":{"d":"no"}}' '{"a":4}' > p.jsonl
	run --separate-stderr "$GPIPE" -o json 'json | explode c.d' p.jsonl
	out_is 0 '{"a":1,"c":{"d":[1,"x",{"y":[2]},null]},"c.d":1}' \
		'{"a":1,"c":{"d":[1,"x",{"y":[2]},null]},"c.d":"x"}' \
		'{"a":1,"c":{"d":[1,"x",{"y":[2]},null]},"c.d":{"y":[2]}}' \
		'{"a":1,"c":{"d":[1,"x",{"y":[2]},null]},"c.d":null}' \
		'{"a":3,"c":{"d":"no"}}' '{"a":4}'
	diff <("$GPIPE" -o json 'json | explode c.d' p.jsonl | jq -c '."c.d"' | head -4) \
		<(jq -c '.c.d[]?' p.jsonl)
}

# --- json: records that are not objects, blanks ---------------------------------

@test "json: a scalar or array record gets one field named value" {
	printf '%s\n' '[1,2]' '"s"' '42' 'true' 'null' '{}' > v.jsonl
	run --separate-stderr "$GPIPE" -o json json v.jsonl
	out_is 0 '{"value":[1,2]}' '{"value":"s"}' '{"value":42}' '{"value":true}' \
		'{"value":null}' '{}'
	run --separate-stderr "$GPIPE" -o json 'json | explode value' v.jsonl
	out_is 0 '{"value":1}' '{"value":2}' '{"value":"s"}' '{"value":42}' '{"value":true}' \
		'{"value":null}' '{}'
}

@test "json: text output is the record as it came; blank records are skipped, not counted" {
	printf '{"a":1}\n\n   \n\t\r\n{"b" : 2}\r\n' > b.jsonl
	run --separate-stderr "$GPIPE" json b.jsonl
	out_is 0 '{"a":1}' $'{"b" : 2}\r'
	run --separate-stderr "$GPIPE" 'json | count' b.jsonl
	out_is 0 2
	printf '\n\n' > blank.jsonl
	run --separate-stderr "$GPIPE" json blank.jsonl
	out_is 1
}

@test "json: keys with escapes are decoded, duplicate keys: the last wins in place" {
	printf '%s\n' '{"k\u00e9y\n":1,"a":1,"b":2,"a":3}' > k.jsonl
	run --separate-stderr "$GPIPE" -o json json k.jsonl
	out_is 0 '{"kéy\n":1,"a":3,"b":2}'
	run --separate-stderr "$GPIPE" -o csv json k.jsonl
	out_is 0 '"kéy' '",a,b' '1,3,2'
}

# --- json: malformed records ---------------------------------------------------

# bad_is RECORD DETAIL: the record alone is dropped with that detail.
bad_is() {
	printf '%s\n' "$1" > one.jsonl
	run --separate-stderr "$GPIPE" json one.jsonl
	err_is 1 "gpipe: json: 1 record of one.jsonl is not JSON (line 1: $2)"
	[ -z "$output" ]
}

@test "json: truncated, unbalanced and misplaced tokens, with the byte of the fault" {
	bad_is '{"a":1' 'unexpected end of input at byte 7'
	bad_is '{"a":"b}' 'unexpected end of input at byte 9'
	bad_is '{"a":[1,2}' "invalid character '}' at byte 10"
	bad_is '{"a":[1,2]' 'unexpected end of input at byte 11'
	bad_is '{"a":1}}' "invalid character '}' at byte 8"
	bad_is '{"a" 1}' "invalid character '1' at byte 6"
	bad_is '{"a":1,}' "invalid character '}' at byte 8"
	bad_is '{,}' "invalid character ',' at byte 2"
	bad_is '[1,]' "invalid character ']' at byte 4"
	bad_is '{a:1}' "invalid character 'a' at byte 2"
	bad_is "{'a':1}" "invalid character \"'\" at byte 2"
	bad_is '"abc' 'unexpected end of input at byte 5'
	bad_is 'tru' 'unexpected end of input at byte 4'
	bad_is 'nulL' "invalid character 'L' at byte 4"
	bad_is '{"a":tru}' "invalid character '}' at byte 9"
	bad_is '{' 'unexpected end of input at byte 2'
}

@test "json: trailing garbage is not JSON" {
	bad_is '{} x' "invalid character 'x' at byte 4"
	bad_is '{"a":1} {"b":2}' "invalid character '{' at byte 9"
	bad_is '1 2' "invalid character '2' at byte 3"
	bad_is '"a""b"' "invalid character '\"' at byte 4"
}

@test "json: numbers by RFC 8259" {
	bad_is '{"a":01}' "invalid character '1' at byte 7"
	bad_is '{"a":1.}' "invalid character '}' at byte 8"
	bad_is '{"a":-}' "invalid character '}' at byte 7"
	bad_is '{"a":+1}' "invalid character '+' at byte 6"
	bad_is '{"a":.5}' "invalid character '.' at byte 6"
	bad_is '{"a":1e}' "invalid character '}' at byte 8"
	bad_is '{"a":1e+}' "invalid character '}' at byte 9"
	bad_is '{"a":0x1}' "invalid character 'x' at byte 7"
	bad_is '-' 'unexpected end of input at byte 2'
	printf '%s\n' '[0,-0,-0.0e-0,1E+99,12.5e3,-9007199254740993]' > n.jsonl
	run --separate-stderr "$GPIPE" -o json json n.jsonl
	out_is 0 '{"value":[0,-0,-0.0e-0,1E+99,12.5e3,-9007199254740993]}'
}

@test "json: escapes by RFC 8259" {
	bad_is '{"a":"\q"}' "invalid character 'q' after '\\' at byte 8"
	bad_is '{"a":"\u12g4"}' "invalid character 'g' in \\u escape at byte 11"
	bad_is '{"a":"\u12"}' "invalid character '\"' in \\u escape at byte 11"
	bad_is '{"a":"\' 'unexpected end of input at byte 8'
	printf '%s\n' '{"a":"\"\\\/\b\f\n\r\t\u0041\ud83d\ude00\ud800"}' > e.jsonl
	run --separate-stderr "$GPIPE" -o json json e.jsonl
	out_is 0 '{"a":"\"\\\/\b\f\n\r\t\u0041\ud83d\ude00\ufffd"}'
	run --separate-stderr "$GPIPE" -o tsv json e.jsonl
	out_is 0 a $'"\\\\/\b\f\\n\\r\\tA😀\xef\xbf\xbd'
}

@test "json: raw control bytes and NUL inside strings are not JSON; escaped NUL is" {
	printf '{"a":"x\001y"}\n' > c.jsonl
	run --separate-stderr "$GPIPE" json c.jsonl
	err_is 1 "gpipe: json: 1 record of c.jsonl is not JSON (line 1: invalid character '\\x01' in string at byte 8)"
	printf '{"a":"x\0y"}\n' > z.jsonl
	run --separate-stderr "$GPIPE" json z.jsonl
	err_is 1 "gpipe: json: 1 record of z.jsonl is not JSON (line 1: invalid character '\\x00' in string at byte 8)"
	printf '{"a":"tab\there"}\n' > t.jsonl
	run --separate-stderr "$GPIPE" json t.jsonl
	err_is 1 "gpipe: json: 1 record of t.jsonl is not JSON (line 1: invalid character '\\x09' in string at byte 10)"
	printf '{"a":"x\\u0000y"}\n' > ok.jsonl
	run --separate-stderr "$GPIPE" -o json json ok.jsonl
	out_is 0 '{"a":"x\u0000y"}'
	printf '{"a":1}\0{"b":2}\n' > nul.jsonl
	run --separate-stderr "$GPIPE" json nul.jsonl
	err_is 1 "gpipe: json: 1 record of nul.jsonl is not JSON (line 1: invalid character '\\x00' at byte 8)"
}

@test "json: invalid UTF-8 is accepted as bytes; -o json stays valid JSON (jq reads it)" {
	need jq
	printf '{"a\xff":"b\xc3(\xed\xa0\x80\xf4\x90\x80\x80 ok \xc3\xa9","n":[1,"\xfe"]}\n' > u.jsonl
	run --separate-stderr "$GPIPE" -o json json u.jsonl
	out_is 0 '{"a\ufffd":"b\ufffd(\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd ok é","n":[1,"\ufffd"]}'
	"$GPIPE" -o json json u.jsonl | jq -c . > /dev/null
	# Any bytes in text records, too.
	head -c 3000 /dev/urandom > rnd.bin 2> /dev/null || true
	printf 'a\xffb\x01\n\x80\n' >> rnd.bin
	"$GPIPE" -o json -H -n 'head 1000' rnd.bin > rnd.json
	[ "$(jq -c . rnd.json | wc -l)" -eq "$(wc -l < rnd.json)" ]
}

@test "json: 100,000 levels of nesting fail fast; 10,000 levels are fine" {
	python3 -c 'print("[" * 100000 + "]" * 100000)' > deep.jsonl
	python3 -c 'print("{\"a\":" * 100000 + "1" + "}" * 100000)' >> deep.jsonl
	python3 -c 'print("[" * 10000 + "]" * 10000)' >> deep.jsonl
	python3 -c 'print("{\"a\":" + "[" * 9999 + "]" * 9999 + "}")' >> deep.jsonl
	python3 -c 'print("{\"a\":" + "[" * 10000 + "]" * 10000 + "}")' >> deep.jsonl
	run --separate-stderr "$GPIPE" --max-record 1M 'json | count' deep.jsonl
	[ "$output" = 2 ]
	err_is 0 "gpipe: json: 3 records of deep.jsonl are not JSON (first at line 1: nesting deeper than 10000 at byte 10001)"
}

@test "json: bad records in two files: one summary each, good records delivered, exit 0" {
	printf '{"a":1}\nnope\n{"a":2}\n{"a":\n' > one.jsonl
	printf '{"a":3}\n{"a":4}\n[}\n' > two.jsonl
	run --separate-stderr "$GPIPE" -o json json one.jsonl two.jsonl
	[ "$output" = $'{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}' ]
	err_is 0 "gpipe: json: 2 records of one.jsonl are not JSON (first at line 2: invalid character 'o' at byte 2)
gpipe: json: 1 record of two.jsonl is not JSON (line 3: invalid character '}' at byte 2)"
}

@test "json --strict: bad records are an error (exit 2), good ones still delivered" {
	printf '{"a":1}\n{"a":\n{"a":2}\n' > s.jsonl
	run --separate-stderr "$GPIPE" --strict json s.jsonl
	[ "$output" = $'{"a":1}\n{"a":2}' ]
	err_is 2 "gpipe: json: 1 record of s.jsonl is not JSON (line 2: unexpected end of input at byte 6)"
	printf '{"a":1}\n' | { run --separate-stderr "$GPIPE" --strict json; out_is 0 '{"a":1}'; }
}

@test "json: standard input and an archive member are named in the summary" {
	printf '{"a":1}\nx\n' | { run --separate-stderr "$GPIPE" json; err_is 0 "gpipe: json: 1 record of (standard input) is not JSON (line 2: invalid character 'x' at byte 1)"; }
	mkdir d && printf '{"a":1}\n\n{]\n' > d/m.jsonl && tar -czf t.tgz -C d m.jsonl
	run --separate-stderr "$GPIPE" -o json -H json t.tgz
	[ "$output" = '{"_file":"t.tgz","_member":"m.jsonl","a":1}' ]
	err_is 0 "gpipe: json: 1 record of t.tgz:m.jsonl is not JSON (line 3: invalid character ']' at byte 2)"
}

@test "json and explode take the arguments they should" {
	run --separate-stderr "$GPIPE" 'json x'
	[ "$status" -eq 2 ] && [[ $stderr == "gpipe: json: unexpected argument 'x'"* ]] || { echo "$stderr"; false; }
	run --separate-stderr "$GPIPE" 'explode'
	err_is 2 "gpipe: explode: expected a FIELD whose value is a JSON array
  explode
  ^^^^^^^"
	run --separate-stderr "$GPIPE" 'explode a b'
	err_is 2 "gpipe: explode: unexpected argument 'b'
  explode a b
            ^"
	run --separate-stderr "$GPIPE" 'explode a..b'
	err_is 2 "gpipe: explode: empty name in field path
  explode a..b
            ^"
	run --separate-stderr "$GPIPE" 'explode _file'
	err_is 2 "gpipe: explode: '_file' is not a field that can hold an array
  explode _file
          ^^^^^"
}

# --- explode ---------------------------------------------------------------------

@test "explode: one record per element, the other fields kept, text rebuilt" {
	printf '%s\n' '{"id":1,"tags":["a","b"],"n":2}' '{"id":2,"tags":[]}' '{"id":3,"tags":"x"}' \
		'{"id":4}' '{"id":5,"tags":[{"k":[1]},null,[true]]}' > x.jsonl
	run --separate-stderr "$GPIPE" 'json | explode tags' x.jsonl
	out_is 0 '{"id":1,"tags":"a","n":2}' '{"id":1,"tags":"b","n":2}' '{"id":3,"tags":"x"}' \
		'{"id":4}' '{"id":5,"tags":{"k":[1]}}' '{"id":5,"tags":null}' '{"id":5,"tags":[true]}'
	run --separate-stderr "$GPIPE" -n -o tsv 'json | explode tags | head 3' x.jsonl
	out_is 0 $'_line\tid\ttags\tn' $'1\t1\ta\t2' $'1\t1\tb\t2' '' $'_line\tid\ttags' $'3\t3\tx'
}

@test "explode twice, explode of a positional field, and a record without fields" {
	printf '%s\n' '{"a":[1,2],"b":["x","y"]}' > two.jsonl
	run --separate-stderr "$GPIPE" 'json | explode a | explode b' two.jsonl
	out_is 0 '{"a":1,"b":"x"}' '{"a":1,"b":"y"}' '{"a":2,"b":"x"}' '{"a":2,"b":"y"}'
	run --separate-stderr "$GPIPE" 'json | explode $2' two.jsonl
	out_is 0 '{"a":[1,2],"b":"x"}' '{"a":[1,2],"b":"y"}'
	printf '[1,2] plain\n' > t.txt
	run --separate-stderr "$GPIPE" 'explode $1' t.txt
	out_is 0 '[1,2] plain'
}

@test "explode: a large array comes out whole, over several batches" {
	python3 -c 'print("{\"id\":7,\"a\":[" + ",".join(str(i) for i in range(20000)) + "]}")' > big.jsonl
	run --separate-stderr "$GPIPE" --max-record 1M 'json | explode a | count' big.jsonl
	out_is 0 20000
	"$GPIPE" --max-record 1M -o tsv 'json | explode a' big.jsonl > big.tsv
	[ "$(sed -n '2p;20001p' big.tsv)" = $'7\t0\n7\t19999' ]
}

# --- -o json / tsv / csv ----------------------------------------------------------

@test "-o json: records without fields are {\"line\": ...}; -H and -n add _file and _line" {
	printf 'one\n42\n' > a.log
	run --separate-stderr "$GPIPE" -o json 'head 5' a.log
	out_is 0 '{"line":"one"}' '{"line":"42"}'
	run --separate-stderr "$GPIPE" -o json -H -n 'head 5' a.log
	out_is 0 '{"_file":"a.log","_line":1,"line":"one"}' '{"_file":"a.log","_line":2,"line":"42"}'
	printf '{"a":"x"}\n' > j.jsonl
	run --separate-stderr "$GPIPE" -o json -n json j.jsonl
	out_is 0 '{"_line":1,"a":"x"}'
	run --separate-stderr "$GPIPE" -o json 'count' a.log
	out_is 0 '{"line":"2"}'
}

@test "-o json --color=always: field names in jq's key colour" {
	printf '{"a":1,"b":{"c":2}}\n' > c.jsonl
	run --separate-stderr "$GPIPE" -o json --color=always json c.jsonl
	out_is 0 $'{\e[34;1m"a"\e[0m:1,\e[34;1m"b"\e[0m:{"c":2}}'
	run --separate-stderr "$GPIPE" -o json --color=never json c.jsonl
	out_is 0 '{"a":1,"b":{"c":2}}'
}

@test "-o tsv and -o csv: a header, then rows; a new header when the names change" {
	printf '%s\n' '{"a":1,"b":"x y"}' '{"a":2,"b":"q,\"r\""}' '{"b":3}' '{"b":4}' '{"a":5,"b":null}' > t.jsonl
	run --separate-stderr "$GPIPE" -o tsv json t.jsonl
	out_is 0 $'a\tb' $'1\tx y' $'2\tq,"r"' '' b 3 4 '' $'a\tb' $'5\t'
	run --separate-stderr "$GPIPE" -o csv json t.jsonl
	out_is 0 a,b '1,x y' '2,"q,""r"""' '' b 3 4 '' a,b 5,
	printf 'plain, "text"\n' > p.log
	run --separate-stderr "$GPIPE" -o csv -H 'head 1' p.log
	out_is 0 _file,line 'p.log,"plain, ""text"""'
	run --separate-stderr "$GPIPE" -o tsv 'head 1' p.log
	out_is 0 line 'plain, "text"'
}

@test "-o tsv escapes tab, newline, CR and backslash; objects and arrays are compact JSON" {
	printf '%s\n' '{"s":"a\tb\nc\rd\\e","o":{ "k" : [ 1 , 2 ] },"t":true}' > e.jsonl
	run --separate-stderr "$GPIPE" -o tsv json e.jsonl
	out_is 0 $'s\to\tt' $'a\\tb\\nc\\rd\\\\e\t{"k":[1,2]}\ttrue'
}

@test "-o csv round trips through python3's csv module" {
	need python3
	need jq
	python3 - > r.jsonl <<'EOF'
import json, random
random.seed(11)
CH = ['a', ' ', ',', '"', '\n', '\r\n', '\t', '\u00e9', "'", 'z', ';']
def s(): return ''.join(random.choice(CH) for _ in range(random.randint(0, 7)))
for i in range(150):
    print(json.dumps({"x": s(), "y": s(), "n": i}))
EOF
	"$GPIPE" -o csv json r.jsonl > r.csv
	python3 - r.csv r.jsonl <<'EOF'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
want = [json.loads(l) for l in open(sys.argv[2], encoding='utf-8')]
assert rows[0] == ["x", "y", "n"], rows[0]
assert len(rows) == len(want) + 1, (len(rows), len(want))
for r, w in zip(rows[1:], want):
    assert r == [w["x"], w["y"], str(w["n"])], (r, w)
EOF
}

@test "-o csv reads back through Miller" {
	need mlr
	need jq
	printf '%s\n' '{"a":"x,y","b":"say \"hi\"","c":1}' '{"a":"multi\nline","b":"","c":2.5}' > m.jsonl
	"$GPIPE" -o csv json m.jsonl | mlr --icsv --ojson cat | jq -c '.[]' > back
	jq -c . m.jsonl > want
	diff back want
}

@test "valgrind: json, explode and structured output" {
	valgrind_setup
	printf '%s\n' '{"a":1,"t":["x","y"],"k\u00e9":{"d":[1]}}' 'bad' '[1,2]' '' '{"a":"\ud83d"}' > v.jsonl
	vg 0 -o json -H -n 'json | explode t' v.jsonl
	vg 0 -o csv 'json | explode value' v.jsonl
	vg 0 -o tsv --color=always 'json | head 1' v.jsonl
	vg 2 --strict 'json | count' v.jsonl
}

@test "json: an empty object is a record without fields (clean under UBSan)" {
	run --separate-stderr bash -c 'printf "{}\n{\"a\":1}\n{ }\n" | "$GPIPE" json'
	out_is 0 '{}' '{"a":1}' '{ }'
	run --separate-stderr bash -c 'printf "{}\n" | "$GPIPE" -o json json'
	out_is 0 '{}'
}

@test "json, logfmt, csv, tsv: a UTF-8 BOM at the start of an input is skipped (jq, utf-8-sig)" {
	printf '\357\273\277{"a":1}\n\357\273\277{"b":2}\n' > bom.jsonl
	run --separate-stderr "$GPIPE" -o json json bom.jsonl
	[ "$status" -eq 0 ] && [ "$output" = '{"a":1}' ] &&
		[ "$stderr" = "gpipe: json: 1 record of bom.jsonl is not JSON (line 2: invalid character '\\xef' at byte 1)" ] ||
		{ echo "status $status: $output / $stderr"; return 1; }
	printf '\357\273\277k=v\n' > bom.log
	run --separate-stderr "$GPIPE" -o json logfmt bom.log
	out_is 0 '{"k":"v"}'
	printf '\357\273\277id,name\r\n1,x\r\n' > bom.csv
	run --separate-stderr "$GPIPE" -o json 'csv | where id == 1' bom.csv
	out_is 0 '{"id":1,"name":"x"}'
	printf '\357\273\277id\tname\n1\tx\n' > bom.tsv
	run --separate-stderr "$GPIPE" -o json 'tsv | select id' bom.tsv
	out_is 0 '{"id":1}'
}
