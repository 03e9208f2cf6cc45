#!/usr/bin/env bats
# Time in the expression language (issue 11): time(F) over every format
# family, explicit formats, the zone of text without one (--tz, TZ), the
# syslog year from the file's mtime, time arithmetic and comparison,
# between, now(), bucket(), printing, unparsable timestamps, and the
# compile errors with their carets. Also if(), abs(), round(), floor(),
# ceil() and substr().

bats_require_minimum_version 1.5.0
load helpers

setup() {
	export TZ=UTC
}

# times IN... -- OUT...: `json | set t = time(ts) | format "{t}"` over one
# record {"ts": IN} per IN prints OUT, in order (-- separates them).
times() {
	local in=() out=() seen=
	for a in "$@"; do
		if [ "$a" = -- ]; then seen=1; elif [ -n "$seen" ]; then out+=("$a"); else in+=("$a"); fi
	done
	: > t.jsonl
	for a in "${in[@]}"; do printf '{"ts": "%s"}\n' "$a" >> t.jsonl; done
	run --separate-stderr "$GPIPE" ${GP_OPTS:-} 'json | set t = time(ts) | format "{t}"' t.jsonl
	ok_out "${out[@]}"
}

@test "time(): RFC 3339 and ISO 8601 in every shape, printed in RFC 3339 UTC" {
	times 2024-06-01T09:00:03Z 2024-06-01T09:00:03+02:00 '2024-06-01 09:00:03' 2024-06-01t09:00:03.5Z \
		2024-06-01T09:00:03,123456-0130 2024-06-01T09:00 2024-06-01 '2024-06-01T09:00:03.123456789+05' \
		-- 2024-06-01T09:00:03Z 2024-06-01T07:00:03Z 2024-06-01T09:00:03Z 2024-06-01T09:00:03.500Z \
		2024-06-01T10:30:03.123456Z 2024-06-01T09:00:00Z 2024-06-01T00:00:00Z 2024-06-01T04:00:03.123456789Z
}

@test "time(): CLF with or without brackets, epoch seconds, ms, us and ns by digit count" {
	times '[01/Jun/2024:09:00:03 +0000]' '01/Jun/2024:09:00:03 -0700' '21/Jan/2014 14:18:17' 1717232403 \
		1717232403.25 1717232403250 1717232403250001 1717232403250001002 \
		-- 2024-06-01T09:00:03Z 2024-06-01T16:00:03Z 2014-01-21T14:18:17Z 2024-06-01T09:00:03Z \
		2024-06-01T09:00:03.250Z 2024-06-01T09:00:03.250Z 2024-06-01T09:00:03.250001Z \
		2024-06-01T09:00:03.250001002Z
	# A JSON number is read from its text.
	printf '{"ts": 1717232403}\n' > n.jsonl
	run --separate-stderr "$GPIPE" 'json | set t = time(ts) | select t' n.jsonl
	ok_out '{"t":"2024-06-01T09:00:03Z"}'
}

@test "time(): syslog takes its year from the file's mtime, a December line in a January file the year before" {
	printf 'Dec 31 23:59:59 host a\nJan  1 00:00:01 host b\nJun 15 12:00:00 host c\n' > sys.log
	touch -d '2024-01-15 12:00:00Z' sys.log
	run --separate-stderr "$GPIPE" 'set t = time(concat($1, " ", $2, " ", $3)) | format "{t}"' sys.log
	ok_out 2023-12-31T23:59:59Z 2024-01-01T00:00:01Z 2023-06-15T12:00:00Z
	# Each input its own year: the same lines in a file written a year later.
	cp sys.log later.log
	touch -d '2025-07-01 00:00:00Z' later.log
	run --separate-stderr "$GPIPE" 'where time(concat($1, " ", $2, " ", $3)) > "2024-12-31T00:00" | format "{_file} {$5}"' \
		sys.log later.log
	ok_out 'later.log a' 'later.log b' 'later.log c'
	# A pipe: the year of now.
	y=$(date -u +%Y)
	run --separate-stderr "$GPIPE" 'set t = time(concat($1, " ", $2, " ", $3)) | format "{t}"' < <(printf 'Jan  1 00:00:01 x\n')
	ok_out "$y-01-01T00:00:01Z"
	# An archive member: its archive's mtime.
	tar -cf sys.tar sys.log && touch -d '2019-03-01 00:00:00Z' sys.tar
	run --separate-stderr "$GPIPE" 'set t = time(concat($1, " ", $2, " ", $3)) | format "{t}"' sys.tar
	ok_out '2018-12-31T23:59:59Z' '2019-01-01T00:00:01Z' '2018-06-15T12:00:00Z'
}

@test "time(F, FORMAT): an explicit format" {
	printf '{"ts": "2024/06/01 9h00m03 +0200"}\n{"ts": "153 2024 09:00"}\n' > f.jsonl
	run --separate-stderr "$GPIPE" 'json | set t = time(ts, "%Y/%m/%d %Hh%Mm%S %z") | select t' f.jsonl
	[ "$status" -eq 0 ] && [ "${lines[0]}" = '{"t":"2024-06-01T07:00:03Z"}' ] && [ "${lines[1]}" = '{}' ]
	run --separate-stderr "$GPIPE" 'json | set t = time(ts, "%j %Y %H:%M") | select t' f.jsonl
	[ "$status" -eq 0 ] && [ "${lines[1]}" = '{"t":"2024-06-01T09:00:00Z"}' ]
}

@test "the zone of text without one: --tz, else TZ; --tz is also the zone times print in" {
	times '2024-06-01 09:00' 2024-06-01T09:00:00Z -- 2024-06-01T09:00:00Z 2024-06-01T09:00:00Z
	TZ=America/New_York times '2024-06-01 09:00' 2024-01-15T09:00 -- 2024-06-01T13:00:00Z 2024-01-15T14:00:00Z
	GP_OPTS='--tz +02:00' times '2024-06-01 09:00' 2024-06-01T09:00:00Z 1717232403 \
		-- 2024-06-01T09:00:00+02:00 2024-06-01T11:00:00+02:00 2024-06-01T11:00:03+02:00
	GP_OPTS='--tz -04:30' TZ=Asia/Tokyo times '2024-06-01 09:00' -- 2024-06-01T09:00:00-04:30
	# Literals compared with a time are read in the same zone.
	printf '{"ts": "2024-06-01T07:30:00Z"}\n' > z.jsonl
	run --separate-stderr "$GPIPE" --tz +02:00 'json | where time(ts) > "2024-06-01 09:00" | select ts' z.jsonl
	ok_out '{"ts":"2024-06-01T07:30:00Z"}'
	run --separate-stderr "$GPIPE" 'json | where time(ts) > "2024-06-01 09:00"' z.jsonl
	out_is 1
}

@test "time arithmetic: time - time is seconds, durations compare, time +- a duration is a time" {
	printf '{"a": "2024-06-01T09:00:00Z", "b": "2024-06-01T08:59:58.5Z"}\n{"a": "2024-06-03T00:00:00Z", "b": "2024-06-01T00:00:00Z"}\n' > d.jsonl
	run --separate-stderr "$GPIPE" 'json | set d = time(a) - time(b), e = time(a) + 90s, f = time(b) - 1.5d | select d e f' d.jsonl
	ok_out '{"d":1.5,"e":"2024-06-01T09:01:30Z","f":"2024-05-30T20:59:58.500Z"}' \
		'{"d":172800,"e":"2024-06-03T00:01:30Z","f":"2024-05-30T12:00:00Z"}'
	run --separate-stderr "$GPIPE" 'json | where time(a) - time(b) < 2d | select d' d.jsonl
	ok_out '{}'
	run --separate-stderr "$GPIPE" 'json | where time(a) - time(b) >= 2d and time(a) > time(b) | select a' d.jsonl
	ok_out '{"a":"2024-06-03T00:00:00Z"}'
	# angle-grinder's where-11 and where-12.
	printf '{"ts": "2014-01-0%dT10:20:30Z"}\n' 1 2 3 4 > w.jsonl
	run --separate-stderr "$GPIPE" 'json | where time("2014-01-05T00:00:00Z") - time(ts) < 2d' w.jsonl
	ok_out '{"ts": "2014-01-03T10:20:30Z"}' '{"ts": "2014-01-04T10:20:30Z"}'
	run --separate-stderr "$GPIPE" 'json | where time(ts) < time("2014-01-02T12:00:00Z")' w.jsonl
	ok_out '{"ts": "2014-01-01T10:20:30Z"}' '{"ts": "2014-01-02T10:20:30Z"}'
}

@test "between: inclusive, for times, numbers and strings, and looser than and" {
	printf '{"ts": "2024-06-01T08:59:59Z", "n": 1}\n{"ts": "2024-06-01T09:00:00Z", "n": 5}\n{"ts": "2024-06-01T10:00:00Z", "n": 6}\n{"ts": "2024-06-01T10:00:01Z", "n": "x"}\n' > b.jsonl
	run --separate-stderr "$GPIPE" 'json | where time(ts) between "2024-06-01T09:00" and "2024-06-01T10:00" | format "{n}"' b.jsonl
	ok_out 5 6
	run --separate-stderr "$GPIPE" 'json | where n between 1 and 5 and ts endswith "00Z" | format "{n}"' b.jsonl
	ok_out 5
	run --separate-stderr "$GPIPE" 'json | where n between 2 and 5 or n == 1 | format "{n}"' b.jsonl
	ok_out 1 5
	run --separate-stderr "$GPIPE" 'json | where not (n between 2 and 5) | format "{n}"' b.jsonl
	ok_out 1 6 x
	run --separate-stderr "$GPIPE" 'json | where n between "a" and "y" | format "{n}"' b.jsonl
	ok_out x
	run --separate-stderr "$GPIPE" 'json | where n + 1 between 2 * 1 and 3 + 3 | format "{n}"' b.jsonl
	ok_out 1 5
}

@test "now(): the run's start; a relative window made from date" {
	: > now.jsonl
	for ago in 7200 1800 60; do
		printf '{"ts": "%s", "ago": %d}\n' "$(date -u -d "@$(($(date +%s) - ago))" +%Y-%m-%dT%H:%M:%SZ)" "$ago" >> now.jsonl
	done
	run --separate-stderr "$GPIPE" 'json | where time(ts) >= now() - 1h | format "{ago}"' now.jsonl
	ok_out 1800 60
	run --separate-stderr "$GPIPE" 'json | where time(ts) between now() - 2h - 1m and now() - 30m | format "{ago}"' now.jsonl
	ok_out 7200 1800
	run --separate-stderr "$GPIPE" 'json | where now() - time(ts) > 100 and now() == now() | format "{ago}"' now.jsonl
	ok_out 7200 1800
}

@test "bucket(T, WIDTH): the start of the window, a field read as time(T); --tz aligns days at its midnight" {
	printf '{"ts": "2024-06-01T09:04:59.9Z"}\n{"ts": "2024-06-01T09:05:00Z"}\n{"ts": "[01/Jun/2024:23:59:00 +0000]"}\n' > k.jsonl
	run --separate-stderr "$GPIPE" 'json | set b = bucket(ts, 5m), c = bucket(time(ts), 1d), d = bucket(ts, 250ms) | format "{b} {c} {d}"' k.jsonl
	ok_out '2024-06-01T09:00:00Z 2024-06-01T00:00:00Z 2024-06-01T09:04:59.750Z' \
		'2024-06-01T09:05:00Z 2024-06-01T00:00:00Z 2024-06-01T09:05:00Z' \
		'2024-06-01T23:55:00Z 2024-06-01T00:00:00Z 2024-06-01T23:59:00Z'
	run --separate-stderr "$GPIPE" --tz +02:00 'json | set c = bucket(ts, 1d) | format "{c}"' k.jsonl
	ok_out 2024-06-01T00:00:00+02:00 2024-06-01T00:00:00+02:00 2024-06-02T00:00:00+02:00
	run --separate-stderr "$GPIPE" -o json 'json | set b = bucket(ts, 1h) | select b' k.jsonl
	ok_out '{"b":"2024-06-01T09:00:00Z"}' '{"b":"2024-06-01T09:00:00Z"}' '{"b":"2024-06-01T23:00:00Z"}'
	# On plain text, a field of the line.
	printf '2024-06-01T09:04:00Z a\n2024-06-01T09:06:00Z b\n' > p.log
	run --separate-stderr "$GPIPE" 'where bucket($1, 5m) == "2024-06-01T09:05:00Z"' p.log
	ok_out '2024-06-01T09:06:00Z b'
}

@test "unparsable timestamps: missing, counted and summarised once per input" {
	printf '{"ts": "2014-01-01T10:20:30Z"}\n{"ts": "21/Jan/2014 14:18:17"}\n{"ts": "abc"}\n{"ts": false}\n{"ts": null}\n{}\n' > u.jsonl
	run --separate-stderr "$GPIPE" 'json | where exists(time(ts))' u.jsonl
	[ "$status" -eq 0 ] && [ "$output" = $'{"ts": "2014-01-01T10:20:30Z"}\n{"ts": "21/Jan/2014 14:18:17"}' ]
	[ "$stderr" = "gpipe: where: 3 records of u.jsonl had values that could not be computed (first at line 3: not a timestamp: 'abc')" ]
	run --separate-stderr "$GPIPE" --strict 'json | set t = time(ts) | select t' u.jsonl
	[ "$status" -eq 2 ]
	[ "$stderr" = "gpipe: set: 3 records of u.jsonl had values that could not be computed (first at line 3: not a timestamp: 'abc')" ]
	# A failed lock falls back to detection: a mixed file is read whole.
	printf '{"ts": "%s"}\n' 2024-06-01T09:00:00Z 1717232403 'Jun  1 09:00:03' 2024-06-01T09:00:00.5Z > m.jsonl
	touch -d '2024-07-01 00:00:00Z' m.jsonl
	run --separate-stderr "$GPIPE" 'json | set t = time(ts) | format "{t}"' m.jsonl
	ok_out 2024-06-01T09:00:00Z 2024-06-01T09:00:03Z 2024-06-01T09:00:03Z 2024-06-01T09:00:00.500Z
}

@test "time errors: carets at the format, the literal, the width" {
	diag 'json | set pts = time(ts, 123)' \
		'gpipe: set: time() takes its format as a quoted string: time(ts, "%d/%b/%Y:%H:%M:%S %z")' \
		'  json | set pts = time(ts, 123)' '                            ^^^'
	diag 'where time(ts, "%d/%Q/%Y") > "2024-01-01"' \
		"gpipe: where: time(): unknown directive '%Q' in the format (known: %Y %m %d %H %M %S %e %j %b %z %s %f %%)" \
		'  where time(ts, "%d/%Q/%Y") > "2024-01-01"' '                     ^^'
	diag 'where time(ts, "\t%Y %") > 1' \
		"gpipe: where: time(): unknown directive '%' in the format (known: %Y %m %d %H %M %S %e %j %b %z %s %f %%)" \
		'  where time(ts, "\t%Y %") > 1' '                       ^'
	diag 'where time(ts) > "last tuesday"' \
		"gpipe: where: 'last tuesday' is not a timestamp (it is compared with a time)" \
		'  where time(ts) > "last tuesday"' '                   ^^^^^^^^^^^^^^'
	diag 'where time(ts) between "2024-01-01" and "2024-13-01"' \
		"gpipe: where: '2024-13-01' is not a timestamp (it is compared with a time)" \
		'  where time(ts) between "2024-01-01" and "2024-13-01"' '                                          ^^^^^^^^^^^^'
	diag 'where time("noon") < now()' "gpipe: where: time(): 'noon' is not a timestamp" \
		'  where time("noon") < now()' '             ^^^^^^'
	diag 'where bucket(ts) == 1' 'gpipe: where: bucket() takes a time and a width: bucket(ts, 5m)' \
		'  where bucket(ts) == 1' '        ^^^^^^^^^^'
	diag 'where bucket(ts, w) == 1' 'gpipe: where: bucket() takes a width of more than 0 in time units: bucket(ts, 5m)' \
		'  where bucket(ts, w) == 1' '                   ^'
	diag 'where bucket(ts, 0s) == 1' 'gpipe: where: bucket() takes a width of more than 0 in time units: bucket(ts, 5m)' \
		'  where bucket(ts, 0s) == 1' '                   ^^'
	diag 'where now(1)' 'gpipe: where: now() takes no arguments' '  where now(1)' '            ^'
	diag 'where time()' 'gpipe: where: time() takes one or two arguments: time(ts) or time(ts, "%d/%b/%Y:%H:%M:%S %z")' \
		'  where time()' '        ^^^^^^'
	diag 'where x between 1 or 2' "gpipe: where: expected 'and' in 'between A and B', found 'or'" \
		'  where x between 1 or 2' '                    ^^'
	diag 'where x between 1' "gpipe: where: expected 'and' in 'between A and B', found 'end of expression'" \
		'  where x between 1' '          ^^^^^^^'
}

@test "if(), abs(), round(), floor(), ceil(), substr() by characters" {
	printf '{"kind": 1, "v1": 5, "n": -4.5, "s": "\\u2603 abc"}\n{"kind": 2, "v2": 7, "n": "2.5", "s": "ghijkl"}\n{"n": "cow", "s": ""}\n' > f.jsonl
	run --separate-stderr "$GPIPE" -o json 'json | set v = if(kind == 1, v1, v2), a = abs(n), r = round(n), f = floor(n), c = ceil(n) | select v a r f c' f.jsonl
	[ "$status" -eq 0 ] && [ "$output" = $'{"v":5,"a":4.5,"r":-5,"f":-5,"c":-4}\n{"v":7,"a":2.5,"r":3,"f":2,"c":3}\n{}' ]
	[ "$stderr" = "gpipe: set: 1 record of f.jsonl had a value that could not be computed (line 3: 'cow' is not a number)" ]
	run --separate-stderr "$GPIPE" -o json 'json | set a = substr(s, 1), b = substr(s, 0, 1), c = substr(s, -3, 2) | select a b c' f.jsonl
	ok_out '{"a":" abc","b":"☃","c":"ab"}' '{"a":"hijkl","b":"g","c":"jk"}' '{"a":"","b":"","c":""}'
	diag 'where if(a, b)' 'gpipe: where: if() takes three arguments: if(COND, A, B)' '  where if(a, b)' '        ^^^^^^^^'
	diag 'where substr(a, 1, 2, 3)' 'gpipe: where: substr() takes two or three arguments: substr(s, start[, len])' \
		'  where substr(a, 1, 2, 3)' '                      ^'
}
