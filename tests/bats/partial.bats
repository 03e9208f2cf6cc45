#!/usr/bin/env bats
# --partial, --merge and --part (issue 12 sections 3 and 4): merged partial
# states equal one run byte for byte under random splits, shuffled and
# key-sorted partial lines and random trees of combiners
# (tests/tools/partialsplit.py, seeded); the line format; bad partials; GNU
# parallel, Hadoop Streaming (simulated with sort) and Dask.

bats_require_minimum_version 1.5.0
load helpers

SPLIT="$BATS_TEST_DIRNAME/../tools/partialsplit.py"
DASK="$BATS_TEST_DIRNAME/../../contrib/dask-gpipe.py"
EVERY='json | count, count(v > 10) as big, count where v < 0 as neg, sum v, avg v, min v, max v, median v, p90 v, percentile(v, 99.5) as p995, distinct v, first v, last v, stddev v by k'

# split_check SEED SPLITS [OPTIONS...] -- EXPR: partialsplit.py check over
# data.json (3000 records, written here).
split_check() {
	[ -s data.json ] || python3 "$SPLIT" gen 7 3000 >data.json
	python3 "$SPLIT" check "$GPIPE" data.json "$@"
}

@test "every aggregate by tricky keys: merged partials equal one run under 100 random splits" {
	need python3
	split_check 1 100 -o json -- "$EVERY"
}

@test "top, bare count, count where, several keys (-o tsv), time bucket keys: 40 random splits each" {
	need python3
	split_check 2 40 -- 'json | top 5 k'
	split_check 3 40 -- 'json | count'
	split_check 4 40 -- 'json | count where v > 100'
	split_check 5 40 -o tsv -- 'json | count, sum v by k, k2'
	split_check 6 40 -o json -- 'json | count, first v, last v by bucket(t, 5m)'
	split_check 7 40 -o json -- 'json | count as n by k, k2, bucket(t, 1h) | where n > 1'
}

@test "text min, max, first, last, histograms and chains after the aggregate: 40 random splits each" {
	need python3
	split_check 8 40 -o json -- 'json | min k, max k, first k, last k by k2'
	split_check 9 40 -- 'json | count by k | where count > 3 | sort -r count | head 5'
	split_check 12 40 -o json -- 'json | histogram v 7'
	split_check 13 40 -- 'json | histogram v log | where count > 10'
}

@test "sketches merge to one run's answer: distinct past 4096 values, percentiles past their budget (spilling partials)" {
	need python3
	python3 "$SPLIT" gen 8 20000 >data.json
	split_check 10 8 -o json -- 'json | distinct v, distinct t, count by k2'
	split_check 11 8 --memory 64K -o json -- 'json | p50 v, p99 v, count, sum v by k2'
	split_check 12 4 --memory 64K -o json -- 'json | histogram v 20'
	[ "$("$GPIPE" --memory 64K --partial 'json | histogram v' data.json 2>/dev/null | wc -l)" -gt 20 ]
	run --separate-stderr "$GPIPE" --memory 64K 'json | p50 v by k2' data.json
	[[ $stderr == *"approximate"* ]] || { echo "the percentiles did not reach their sketch: $stderr"; return 1; }
}

@test "--merge past --memory spills its groups and still equals one run, combiners too" {
	seq 1 60000 | awk '{print ($1 * 7919) % 23000, $1}' >many.log
	local e='count, sum $2, first $2, last $2, p50 $2 by $1'
	"$GPIPE" --memory 1M "$e" many.log >one
	split -n l/3 -d many.log m.
	local i
	for i in 0 1 2; do "$GPIPE" --memory 1M --partial --part "$i" "$e" "m.0$i"; done | shuf --random-source=many.log >parts
	"$GPIPE" --memory 1M --stats --merge "$e" parts >merged 2>stats
	cmp one merged
	grep -q 'count: 23000 groups, spilled [1-9][0-9]* times' stats || { cat stats; return 1; }
	"$GPIPE" --memory 1M --merge --partial "$e" parts | "$GPIPE" --memory 1M --merge "$e" >merged2
	cmp one merged2
}

@test "the line format: escaped key first, VERSION:SPEC, then the state as JSON" {
	printf 'a\\b\tc 5\n\x01x 7\na\\b\tc 2\n' >in.log
	run --separate-stderr "$GPIPE" --partial -o json -H 'fields -d " " k v | count, sum v as total, first v by k' in.log
	[ "$status" -eq 0 ] && [ -z "$stderr" ] || { echo "$status $stderr"; return 1; }
	local spec
	spec=$(cut -f2 <<<"${lines[0]}")
	[[ $spec =~ ^1:[0-9a-f]{16}$ ]] || { echo "spec field: $spec"; return 1; }
	[ "${#lines[@]}" -eq 2 ] || { echo "$output"; return 1; }
	[ "$(cut -f1 <<<"${lines[0]}")" = 'a\\b\tc' ] || { echo "key: ${lines[0]}"; return 1; }
	[ "$(cut -f1 <<<"${lines[1]}")" = '\x01x' ] || { echo "key: ${lines[1]}"; return 1; }
	local state
	state=$(cut -f3- <<<"${lines[0]}")
	jq -e '._seq == 0 and .count == 2 and (.total | type) == "string" and .first_v == {"seq": 0, "text": "5"}' \
		<<<"$state" >/dev/null || { echo "state: $state"; return 1; }
	# min and max as numbers, exactly; text when a group had no number
	state=$("$GPIPE" --partial 'fields -d " " k v | min v, max v by k' in.log | head -1 | cut -f3-)
	jq -e '.min_v == {"num": 2} and .max_v == {"num": 5}' <<<"$state" >/dev/null || { echo "state: $state"; return 1; }
	# time keys as RFC 3339 in UTC, tuple parts separated by 0x1f
	printf '2024-06-01T09:07:00.5+02:00 x\n' >t.log
	[ "$("$GPIPE" --partial 'count by bucket($1, 5m), $2' t.log | cut -f1)" = "$(printf '2024-06-01T07:05:00Z\037x')" ]
	# the same spec whatever the spacing, quoting and comments (-f)
	printf '# q\nfields  -d " " k v\n  | count,  sum v as total, first v by k # here\n' >q.gp
	[ "$("$GPIPE" --partial -f q.gp in.log | cut -f2 | sort -u)" = "$spec" ]
	# another expression, another spec
	[ "$("$GPIPE" --partial 'fields -d " " k v | count, sum v as total, last v by k' in.log | cut -f2 | sort -u)" != "$spec" ]
	# --part N numbers the records: N << 40 plus the index in the part
	run "$GPIPE" --partial --part 3 'fields -d " " k v | count by k' in.log
	[[ ${lines[1]} == *'"_seq":3298534883329,'* ]] || { echo "$output"; return 1; }
}

@test "--partial needs an aggregate; names must differ; a bad --part is refused" {
	run --separate-stderr "$GPIPE" --partial 'grep x | upper' "$ABSENT"
	fails_with 'gpipe: --partial needs an aggregate stage (count, sum, ..., top, histogram)' '  grep x | upper' '  ^^^^^^^^^^^^^^'
	run --separate-stderr "$GPIPE" --merge 'grep x' "$ABSENT"
	fails_with 'gpipe: --merge needs an aggregate stage (count, sum, ..., top, histogram)' '  grep x' '  ^^^^^^'
	run --separate-stderr "$GPIPE" --partial 'count, count by x' "$ABSENT"
	[ "$status" -eq 2 ] && [[ $stderr == *"two aggregates are named 'count'"* ]] || { echo "$stderr"; return 1; }
	run --separate-stderr "$GPIPE" --part x --partial count "$ABSENT"
	[ "$status" -eq 2 ] && [[ $stderr == "gpipe: invalid --part 'x'"* ]] || { echo "$stderr"; return 1; }
	# the stages after the aggregate do not run under --partial, those before it not under --merge
	printf 'a\nb\na\n' >in.log
	"$GPIPE" --partial 'count by $1 | head 1' in.log >p
	[ "$(wc -l <p)" -eq 2 ]
	run --separate-stderr "$GPIPE" --merge 'nosuchstage | count by $1 | head 1' p
	[ "$status" -eq 2 ] && [[ $stderr == *"unknown stage 'nosuchstage'"* ]]
}

@test "partials read like any input: files, standard input, gzip and zstd; -o json after the merge" {
	need gzip zstd
	printf 'a 1\nb 2\na 3\n' >in.log
	"$GPIPE" --partial --part 0 'count, sum $2 by $1' in.log >p0
	printf 'c 4\na 5\n' >in2.log
	"$GPIPE" --partial --part 1 'count, sum $2 by $1' in2.log >p1
	gzip -k p0 && zstd -q p1
	run --separate-stderr "$GPIPE" --merge -o json 'count, sum $2 by $1' p0.gz - <p1.zst
	[ "$status" -eq 0 ] || { echo "$stderr"; return 1; }
	run --separate-stderr "$GPIPE" --merge -o json 'count, sum $2 by $1' p0.gz p1.zst
	ok_out '{"$1":"a","count":3,"sum_$2":9}' '{"$1":"b","count":1,"sum_$2":2}' '{"$1":"c","count":1,"sum_$2":4}'
}

# bad_partial NAME LINE WHY: a partial file of good lines with LINE as its
# line 2 merges the good lines, reports "gpipe: NAME:2: WHY" and exits 2;
# with --strict it is fatal: nothing printed.
bad_partial() {
	local name=$1 line=$2 why=$3
	{ sed -n 1p good; printf '%s\n' "$line"; sed -n '2,$p' good; } >"$name"
	run --separate-stderr "$GPIPE" --merge 'count, sum $2 by $1' "$name"
	if [ "$status" -ne 2 ] || [ "$output" != "$want" ] || [ "$stderr" != "gpipe: $name:2: $why" ]; then
		printf '%s: status %s\n--- stdout:\n%s\n--- stderr:\n%s\n--- wanted: gpipe: %s:2: %s\n' \
			"$name" "$status" "$output" "$stderr" "$name" "$why"
		return 1
	fi
	run --separate-stderr "$GPIPE" --strict --merge 'count, sum $2 by $1' "$name"
	fails_with "gpipe: $name:2: $why"
}

@test "bad partials: file and line named, exit 2, the good lines still merged; --strict makes the first fatal" {
	printf 'a 1\nb 2\nc 3\n' >in.log
	"$GPIPE" --partial 'count, sum $2 by $1' in.log >good
	want=$("$GPIPE" 'count, sum $2 by $1' in.log)
	local spec
	spec=$(head -1 good | cut -f2)
	bad_partial cut.part 'a{"_seq":0}' 'truncated line (no tab after the key)'
	bad_partial cut2.part "x	$spec" 'truncated line (no tab after the version)'
	bad_partial json.part "x	$spec	{\"_seq\":0,\"count\":1,\"sum_\$2\":" \
		'the state is not JSON (unexpected end of input at byte 30)'
	bad_partial b64.part "x	$spec	{\"_seq\":5,\"count\":1,\"sum_\$2\":\"!!!!\"}" "the state of 'sum_\$2' does not decode"
	bad_partial dec.part "x	$spec	{\"_seq\":5,\"count\":1,\"sum_\$2\":\"/////w==\"}" "the state of 'sum_\$2' does not decode"
	bad_partial ver.part "x	2:${spec#1:}	{}" 'the partial has format version 2, this gpipe reads version 1'
	bad_partial spec.part "x	1:0123456789abcdef	{}" \
		"the partial was made by a different expression (spec 0123456789abcdef here ${spec#1:})"
	bad_partial member.part "x	$spec	{\"_seq\":5,\"count\":1}" "the state has no member 'sum_\$2'"
	bad_partial seq.part "x	$spec	{\"count\":1}" 'the state has no _seq (a whole number)'
	bad_partial key.part "x\\q	$spec	{\"_seq\":5}" 'the key is not 1 escaped part as --partial writes them'
	bad_partial count.part "x	$spec	{\"_seq\":5,\"count\":-1,\"sum_\$2\":\"AAA=\"}" "the state of 'count' does not decode"
	# a histogram's lines
	"$GPIPE" --partial 'histogram $2 log' in.log >hgood
	run --separate-stderr "$GPIPE" --merge 'histogram $2 log' hgood
	[ "$status" -eq 0 ] && [ "$output" = "$(printf "1\t10\t3")" ] || { echo "$output // $stderr"; return 1; }
	sed 's/"neg":0/"neg":"x"/' hgood >hbad
	run --separate-stderr "$GPIPE" --merge 'histogram $2 log' hbad
	fails_with "gpipe: hbad:1: the state of 'histogram' does not decode"
	# mixed specs: another expression's partial
	"$GPIPE" --partial 'count, sum $2 by $1 | head 1' in.log >same
	"$GPIPE" --partial 'count, sum $3 by $1' in.log >other
	run --separate-stderr "$GPIPE" --merge 'count, sum $2 by $1' same other
	[ "$status" -eq 2 ] && [ "$output" = "$want" ] && [ "$(grep -c 'gpipe: other:[123]: the partial was made by a different expression' <<<"$stderr")" -eq 3 ] ||
		{ echo "$status $output // $stderr"; return 1; }
}

@test "Hadoop Streaming simulated: mapper --partial per split | LC_ALL=C sort | reducer --merge equals one run" {
	need python3
	python3 "$SPLIT" gen 12 6000 >data.json
	printf 'json\n| count, p99 v, distinct k, first v by k2, k # the reducer gets lines sorted by key\n| sort -r count\n' >q.gp
	split -n l/4 -d data.json in.
	local i=0 f
	for f in in.0*; do "$GPIPE" --partial --part "$i" -f q.gp "$f"; i=$((i + 1)); done | LC_ALL=C sort >sorted
	"$GPIPE" --merge -f q.gp sorted >merged
	"$GPIPE" -f q.gp data.json >one
	cmp one merged
}

# parallel's notice on first use, off for the tests (HOME is the test's).
parallel_setup() {
	need parallel python3
	parallel --version 2>/dev/null | grep -q 'GNU parallel' || skip "parallel is not GNU parallel"
	export HOME=$BATS_TEST_TMPDIR
	mkdir -p "$HOME/.parallel" && touch "$HOME/.parallel/will-cite"
	printf 'json | count, sum v, p50 v, first k, last k by k2, bucket(t, 15m)\n' >q.gp
	python3 "$SPLIT" gen 13 40000 >big.log
	PATH=$(dirname "$GPIPE"):$PATH
	ln -sf "$GPIPE" gpipe
	PATH=$BATS_TEST_TMPDIR:$PATH
}

@test "GNU parallel --pipepart over one big file (1M blocks, {#} parts) merges to one run" {
	parallel_setup
	[ "$(stat -c %s big.log)" -gt 2000000 ]
	"$GPIPE" -f q.gp big.log >one
	parallel --pipepart -a big.log --block 1M -k gpipe --partial --part '{#}' -f q.gp >partials
	[ "$(cut -f1 partials | sort | uniq -d | wc -l)" -gt 0 ] || { echo "one part only"; return 1; }
	"$GPIPE" --merge -f q.gp partials >merged
	cmp one merged
}

@test "GNU parallel -j4 over compressed files, and -S : (a local sshlogin), merge to one run" {
	parallel_setup
	split -n l/6 -d --additional-suffix=.log big.log p
	gzip p0*.log
	"$GPIPE" -f q.gp p0*.log.gz >one
	parallel -j4 -k gpipe --partial --part '{#}' -f q.gp {} ::: p0*.log.gz | "$GPIPE" --merge -f q.gp >merged
	cmp one merged
	parallel -S : -j2 gpipe --partial --part '{#}' -f q.gp {} ::: p0*.log.gz | "$GPIPE" --merge -f q.gp >merged2
	cmp one merged2
}

@test "Dask: contrib/dask-gpipe.py on a local distributed cluster (byte ranges, a gzip file, a combiner tree) merges to one run" {
	need python3
	local py
	for py in python3 /usr/bin/python3; do
		"$py" -c 'import dask.distributed' 2>/dev/null && break
		py=
	done
	[ -n "$py" ] || skip "python3-dask and python3-distributed are not installed"
	python3 "$SPLIT" gen 14 8000 >a.log
	python3 "$SPLIT" gen 15 8000 >b.log
	gzip b.log
	printf 'json | count, avg v, p90 v, last k by k2\n' >q.gp
	"$GPIPE" -f q.gp a.log b.log.gz >one
	"$py" "$DASK" --gpipe "$GPIPE" --workers 2 --chunk 100000 --fan-in 3 -f q.gp a.log b.log.gz >merged
	cmp one merged
}
