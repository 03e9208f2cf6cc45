#!/usr/bin/env bats
# grep's GNU options (issue 9, 3.2-3.4): -v -o, newlines in patterns, -m,
# -A/-B/-C, -b, -c, -l, -L. Differential against GNU grep (LC_ALL=C) over
# python-generated logs: several files, logs larger than one read block, a
# .gz and tar members; stdout and exit status must be the same bytes.

bats_require_minimum_version 1.5.0
load helpers

# Seeded logs: a.log and b.log are small, big.log spans several 256 KiB read
# blocks with matches in clusters and long gaps (context across batches).
make_logs() {
	python3 - <<'EOF'
import random
r = random.Random(9)
words = ['alpha ok', 'beta ok', 'gamma err', 'delta ok', 'ERR upper']
def write(name, n, gap):
    with open(name, 'w') as f:
        for i in range(n):
            w = r.choice(words) if (i % gap) < 40 else r.choice(words[:2] + words[3:4])
            f.write('%s %d\n' % (w, r.randint(0, 99999)))
write('a.log', 300, 1000)
write('b.log', 200, 50)
write('big.log', 150000, 5000)
EOF
}

# same "GPIPE-GLOBALS" "GREP-OPTIONS" FILE...: gpipe GLOBALS 'grep OPTIONS err'
# and GNU grep GLOBALS OPTIONS err give the same stdout and exit status.
same() {
	local globals=$1 opts=$2 st=0 gst=0
	shift 2
	# shellcheck disable=SC2086   # options are words
	"$GPIPE" $globals "grep $opts err" "$@" > got 2> got.err || st=$?
	# shellcheck disable=SC2086
	grep $globals $opts err "$@" > want || gst=$?
	if ! cmp -s got want || [ "$st" -ne "$gst" ] || [ -s got.err ]; then
		echo "gpipe $globals 'grep $opts err' $*: status $st, GNU grep $gst"
		diff got want | head -20
		cat got.err
		return 1
	fi
}

@test "grep -v -o prints nothing and exits 0 when a line is selected, as GNU grep" {
	run --separate-stderr gp 'grep -v -o yes' <<< $'yes\nno'
	[ "$status" -eq 0 ] && [ -z "$output" ] && [ -z "$stderr" ]
	run --separate-stderr gp 'grep -v -o yes' <<< $'yes\nyes'
	[ "$status" -eq 1 ] && [ -z "$output" ]
	printf 'yes\nno\n' > yn
	same "-n" "-v -o" yn
}

@test "a newline in a pattern separates patterns; an empty one matches every line" {
	printf 'abc\nxyz\nq\n' > in
	run gp 'grep "q\nz"' in
	[ "$status" -eq 0 ] && [ "$output" = $'xyz\nq' ]
	run gp 'grep -e "\n"' in
	[ "$output" = $'abc\nxyz\nq' ]
	run gp 'grep -F -e "zz\nab"' in
	[ "$output" = abc ]
	run gp 'grep -c -e "x\n"' in
	[ "$output" = 3 ]
	# the caret of a bad regex points into the right piece
	run --separate-stderr gp 'grep "a\n(b"' in
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "gpipe: grep: invalid regex '(b': missing closing parenthesis" ]
}

@test "-m NUM per input, with -v, -c, -n and -H: differential against GNU grep" {
	make_logs
	for o in "-m 1" "-m 3" "-m 0" "-v -m 5" "-c -m 4" "-m 1000000" "-o -m 2"; do
		same "-H -n" "$o" a.log b.log big.log
		same "" "$o" big.log
	done
}

@test "-m stops reading an input: a never-ending pipe ends as with head" {
	run timeout 20 sh -c "yes | '$GPIPE' 'grep -m 2 y'"
	[ "$status" -eq 0 ] && [ "$output" = $'y\ny' ]
	run timeout 20 sh -c "yes | '$GPIPE' 'grep -l y'"
	[ "$status" -eq 0 ] && [ "$output" = '(standard input)' ]
	run timeout 20 sh -c "yes | '$GPIPE' -H 'grep -c -m 3 y'"
	[ "$status" -eq 0 ] && [ "$output" = '(standard input):3' ]
}

@test "-A/-B/-C with -n and -H: '-' for context, '--' between groups, across files and read blocks" {
	make_logs
	for o in "-A 2" "-B 3" "-C 1" "-C 7" "-A 0" "-B 0" "-v -C 2" "-o -C 3" "-m 2 -A 3" \
		"-B 1 -m 4" "-m 1 -A 99" "-B 40 -A 1"; do
		same "-H -n" "$o" a.log b.log big.log
		same "-n" "$o" b.log
	done
}

@test "-b: byte offsets in GNU order file:line:offset:, of lines and of -o matches" {
	make_logs
	for o in "-b" "-b -o" "-b -C 2" "-b -v -m 30" "-b -o -i"; do
		same "-H -n" "$o" a.log big.log
		same "" "$o" b.log
	done
}

@test "-b counts bytes of the decompressed stream" {
	make_logs
	gzip -k b.log
	gp 'grep -b -o err' b.log.gz > got
	grep -b -o err b.log > want
	cmp got want
}

@test "-c, -l, -L: one record per input, with GNU grep's exit status" {
	make_logs
	printf 'nothing here\n' > none.log
	for o in "-c" "-c -v" "-l" "-L" "-l -v" "-L -v" "-c -l"; do
		same "-H" "$o" a.log none.log b.log big.log
		same "" "$o" none.log
		same "" "$o" b.log
	done
}

@test "-c, -l and -L name archive members as a.tar:member" {
	make_logs
	printf 'nothing here\n' > none.log
	tar cf t.tar a.log none.log b.log
	gzip -k -c t.tar > t.tgz
	run gp -H 'grep -c err' t.tgz
	[ "$output" = "t.tgz:a.log:$(grep -c err a.log)"$'\n'"t.tgz:none.log:0"$'\n'"t.tgz:b.log:$(grep -c err b.log)" ]
	run gp 'grep -l err' t.tar
	[ "$status" -eq 0 ] && [ "$output" = $'t.tar:a.log\nt.tar:b.log' ]
	run gp 'grep -L err' t.tar
	[ "$status" -eq 0 ] && [ "$output" = 't.tar:none.log' ]
	# -m and context are per member, and the member's line numbers and offsets
	gp -H -n 'grep -m 2 -A 1 -b err' t.tgz > got
	{
		grep --label=t.tgz:a.log -H -n -m 2 -A 1 -b err - < a.log
		echo --
		grep --label=t.tgz:b.log -H -n -m 2 -A 1 -b err - < b.log
	} > want
	diff got want
}

@test "-c, -l, -L make records later stages see; exit status follows what is printed then" {
	make_logs
	run gp 'grep -c err | grep -v "^0$"' a.log b.log
	[ "$status" -eq 0 ] && [ "$output" = "$(grep -c err a.log)"$'\n'"$(grep -c err b.log)" ]
	run gp 'grep -c zzz | grep -v "^0$"' a.log
	[ "$status" -eq 1 ] && [ -z "$output" ]
	run gp 'grep -c zzz' a.log
	[ "$status" -eq 1 ] && [ "$output" = 0 ]
	run gp 'grep -l err | upper' a.log
	[ "$output" = A.LOG ]
	# context records flow on with their marks
	printf 'a\nb\nc\nd\ne\nf\n' > six
	run gp -n 'grep -A 1 -e a -e e | upper' six
	[ "$output" = $'1:A\n2-B\n--\n5:E\n6-F' ]
}

@test "bad counts are refused before reading; --explain shows the options" {
	run --separate-stderr gp 'grep -m x err' /dev/null
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "gpipe: grep: invalid count 'x' for -m (want a whole number)" ]
	run --separate-stderr gp 'grep -C -1 err' /dev/null
	[ "$status" -eq 2 ]
	run gp --explain 'grep -m 3 -C 2 -b err'
	[[ $output == *"grep     -b -m 3 -A 2 -B 2 'err'"* ]]
	run gp --explain 'grep -c -v err'
	[[ $output == *"grep     -v -c 'err'"* ]]
}
