#!/usr/bin/env bats
# The regex engine's answers: a line PCRE2 cannot decide (a resource limit)
# is retried with larger limits and otherwise reported, never taken as "no
# match" (grep, grep -v, where =~ / !~, replace, parse -r); and the matches
# of -o and --color with several patterns are GNU grep's leftmost-longest.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	# 1 MB of (a|b)* then c: PCRE2's JIT stack overflows; the retry decides.
	python3 -c "print('ab' * 500000 + 'c')" > abc.log
	# catastrophic backtracking before the b: undecidable within the limits
	python3 -c "print('a' * 30 + 'b')" > bt.log
	printf 'good b\nnone\n' > ok.log
	cat ok.log bt.log ok.log > mix.log
}

BT='gpipe: grep: bt.log:1: pattern too complex for this line (PCRE2 backtracking limit)'

@test "grep: a PCRE2 resource limit is retried with larger limits (1 MB line of ^(a|b)*c)" {
	run --separate-stderr "$GPIPE" 'grep "^(a|b)*c" | count' abc.log
	[ "$status" -eq 0 ] && [ "$output" = 1 ] && [ -z "$stderr" ]
	run --separate-stderr "$GPIPE" 'grep -v "^(a|b)*c" | count' abc.log
	[ "$output" = 0 ] && [ -z "$stderr" ]
	python3 -c "print('a' * 25 + 'b')" > bt25.log
	run --separate-stderr "$GPIPE" 'grep "^(a+)+c|b" | count' bt25.log
	[ "$status" -eq 0 ] && [ "$output" = 1 ] && [ -z "$stderr" ]
}

@test "grep: a line PCRE2 cannot decide is reported with its input and line, exit 2, never a silent non-match" {
	run --separate-stderr "$GPIPE" 'grep "^(a+)+c|b"' bt.log
	fails_with "$BT"
	# -v: not printed either (no silent inversion), and not counted
	run --separate-stderr "$GPIPE" 'grep -v "^(a+)+c|b"' bt.log
	fails_with "$BT"
	run --separate-stderr "$GPIPE" 'grep -v "^(a+)+c|b" | count' bt.log
	[ "$status" -eq 2 ] && [ "$output" = 0 ] && [ "$stderr" = "$BT" ]
	run --separate-stderr "$GPIPE" 'grep -o "^(a+)+c|b"' bt.log
	fails_with "$BT"
	# the other lines are still delivered, with their numbers
	run --separate-stderr "$GPIPE" -n 'grep "^(a+)+c|b"' mix.log
	[ "$status" -eq 2 ] && [ "$output" = $'1:good b\n4:good b' ]
	[ "$stderr" = 'gpipe: grep: mix.log:3: pattern too complex for this line (PCRE2 backtracking limit)' ]
	run --separate-stderr "$GPIPE" -n 'grep -v "^(a+)+c|b"' mix.log
	[ "$status" -eq 2 ] && [ "$output" = $'2:none\n5:none' ]
	# on single records (after a stage that splits), and in an archive member
	run --separate-stderr "$GPIPE" 'trim | grep -v "^(a+)+c|b"' mix.log
	[ "$status" -eq 2 ] && [ "$output" = $'none\nnone' ] && [[ $stderr == *"mix.log:3: pattern too complex"* ]]
	tar cf a.tar bt.log
	run --separate-stderr "$GPIPE" 'grep "^(a+)+c|b"' a.tar
	fails_with 'gpipe: grep: a.tar:bt.log:1: pattern too complex for this line (PCRE2 backtracking limit)'
	# another -e pattern that matches decides the line
	run --separate-stderr "$GPIPE" 'grep -e "^(a+)+c" -e "b$" | count' bt.log
	[ "$status" -eq 0 ] && [ "$output" = 1 ] && [ -z "$stderr" ]
}

@test "where =~ and !~: an undecided comparison drops the record, summarised once per input, exit 2" {
	local want='gpipe: where: 1 record of mix.log could not be matched by =~ or !~ (line 3: pattern too complex (PCRE2 backtracking limit))'
	run --separate-stderr "$GPIPE" 'where $0 =~ "^(a+)+c|b"' mix.log
	[ "$status" -eq 2 ] && [ "$output" = $'good b\ngood b' ] && [ "$stderr" = "$want" ]
	run --separate-stderr "$GPIPE" 'where $0 !~ "^(a+)+c|b"' mix.log
	[ "$status" -eq 2 ] && [ "$output" = $'none\nnone' ] && [ "$stderr" = "$want" ]
	run --separate-stderr "$GPIPE" 'where not ($0 =~ "^(a+)+c|b")' mix.log
	[ "$status" -eq 2 ] && [ "$output" = $'none\nnone' ] && [ "$stderr" = "$want" ]
	run --separate-stderr "$GPIPE" 'where $0 =~ "^(a|b)*c" | count' abc.log
	[ "$status" -eq 0 ] && [ "$output" = 1 ] && [ -z "$stderr" ]
	run --separate-stderr "$GPIPE" -o json 'logfmt | set m = $0 =~ "^(a+)+c|b" | select m' mix.log
	[ "$status" -eq 2 ] && [[ $stderr == "gpipe: set: 1 record of mix.log could not be matched by =~ or !~ (line 3: "* ]]
}

@test "replace: a record PCRE2 cannot decide is left unchanged and reported" {
	run --separate-stderr "$GPIPE" 'replace "^(a+)+c|b" X' mix.log
	[ "$status" -eq 2 ]
	[ "$output" = "good X"$'\nnone\n'"$(cat bt.log)"$'\ngood X\nnone' ]
	[ "$stderr" = 'gpipe: replace: 1 record of mix.log could not be searched, left unchanged (line 3: pattern too complex (PCRE2 backtracking limit))' ]
	run --separate-stderr "$GPIPE" 'replace "^(a|b)*c" X' abc.log
	[ "$status" -eq 0 ] && [ "$output" = X ] && [ -z "$stderr" ]
}

@test "parse -r: a record PCRE2 cannot decide is not parsed, and the limit is reported apart" {
	run --separate-stderr "$GPIPE" -o json 'parse -r "(?<w>(a+)+c|b)"' mix.log
	[ "$status" -eq 2 ] && [ "$output" = $'{"w":"b"}\n{"w":"b"}' ]
	[[ $stderr == *'gpipe: parse: 1 record of mix.log could not be matched by the regex (line 3: pattern too complex (PCRE2 backtracking limit))'* ]]
	[[ $stderr == *'gpipe: parse: 3 records of mix.log did not match'* ]]
	run --separate-stderr "$GPIPE" 'parse --keep -r "(?<w>(a+)+c|b)" | count' mix.log
	[ "$status" -eq 2 ] && [ "$output" = 5 ]
	[[ $stderr == *'could not be matched by the regex (line 3: pattern too complex'* ]]
}

@test "split -r and multiline: a line PCRE2 cannot decide is reported, never silently uncut or joined" {
	run --separate-stderr "$GPIPE" 'split -r "(a+)+c|b"' mix.log
	[ "$status" -eq 2 ] && [ "$output" = "good "$'\n\nnone\n'"$(cat bt.log)"$'\ngood \n\nnone' ]
	[ "$stderr" = 'gpipe: split: mix.log:3: pattern too complex for this line (PCRE2 backtracking limit)' ]
	# START and -c CONTINUE, over a span and over records: the undecided
	# line is a record of its own, not joined to its neighbours
	want="good b|none"$'\n'"$(cat bt.log)"$'\n'"good b|none"
	for e in 'multiline "(a+)+c|^g"' 'multiline -c "(a+)+c|^n"' 'tail 100 | multiline "(a+)+c|^g"'; do
		run --separate-stderr "$GPIPE" "$e | replace \"\\n\" \"|\"" mix.log
		[ "$status" -eq 2 ] && [ "$output" = "$want" ] ||
			{ echo "$e: $status: $output"; return 1; }
		[ "$stderr" = 'gpipe: multiline: mix.log:3: pattern too complex for this line (PCRE2 backtracking limit)' ]
	done
}

@test "grep -o and --color with several patterns: GNU's leftmost-longest, not the first listed" {
	printf 'w247\nw2472\n' > s
	run "$GPIPE" 'grep -F -o -f s' <<<'a w2472 b'
	[ "$output" = w2472 ]
	run "$GPIPE" 'grep -F -o -e foo -e foobar' <<<'foo=1 foobar=2'
	[ "$output" = $'foo\nfoobar' ]
	run "$GPIPE" 'grep -E -o -e bb -e cc -e ccc' <<<'a bb ccc dddd'
	[ "$output" = $'bb\nccc' ]
	# four words: the Aho-Corasick path
	run "$GPIPE" 'grep -o -e w2 -e w24 -e w247 -e w2472' <<<'xw2472 w24'
	[ "$output" = $'w2472\nw24' ]
	run "$GPIPE" 'grep -o -w -e foo -e foobar -e fo -e oob' <<<'foobarx foo foobar'
	[ "$output" = $'foo\nfoobar' ]
	run "$GPIPE" --color=always 'grep -e cc -e ccc' <<<'a ccc'
	[ "$output" = $'a \e[01;31m\e[Kccc\e[m\e[K' ]
	# within one pattern PCRE2's leftmost-first stays, as documented
	run "$GPIPE" 'grep -o "cc|ccc"' <<<'ccc'
	[ "$output" = cc ]
}

@test "grep -o with several patterns equals GNU grep -o (-F and -E, with -i, -w, -x) on random data" {
	python3 - <<-'EOF'
		import random
		r = random.Random(20240917)
		alpha = "abc"
		def word():
		    return "".join(r.choice(alpha) for _ in range(1 + r.randrange(4)))
		with open("data.log", "w") as f:
		    for i in range(3000):
		        f.write(" ".join(word() for _ in range(r.randrange(7))) + "\n")
		for k in range(12):
		    with open("F%d" % k, "w") as f:
		        for _ in range(2 + r.randrange(6)):
		            f.write(word() + "\n")
		    with open("E%d" % k, "w") as f:
		        for _ in range(2 + r.randrange(4)):
		            # no | inside a pattern: there GNU is POSIX leftmost-longest
		            # and gpipe documents PCRE2's leftmost-first
		            f.write(r.choice([word(), word() + "+", "[ab]" + word(), word() + "c*",
		                              "a" + word() + "?"]) + "\n")
	EOF
	local k f mode fails=0
	for k in 0 1 2 3 4 5 6 7 8 9 10 11; do
		for f in "" -i -w -x; do
			for mode in F E; do
				"$GPIPE" "grep -$mode -o $f -f $mode$k" data.log > got || true
				LC_ALL=C grep -$mode -o $f -f $mode$k data.log > want || true
				if ! cmp -s got want; then
					echo "grep -$mode -o $f -f $mode$k differs: $(tr '\n' ' ' < $mode$k)"
					diff want got | head -5
					fails=$((fails + 1))
				fi
			done
		done
	done
	[ "$fails" -eq 0 ]
}
