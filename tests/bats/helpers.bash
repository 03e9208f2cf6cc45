# Shared set-up and helpers for the bats suites: `load helpers` at the top of
# every .bats file. Rules:
# - A test works only in its own $BATS_TEST_TMPDIR (this file cds there) or a
#   file-wide $BATS_FILE_TMPDIR; a helper that writes a file writes it in the
#   current directory, under the name its comment gives.
# - A helper checks something and, when it fails, prints what it saw and what
#   was wanted (and which case of a table) before it returns 1, so that a
#   failing test says why; none ever weakens the caller's checks.
# - Background processes a helper starts are in $GP_PID (and a FIFO writer on
#   descriptor 5 is flagged by $WRITER_OPEN): a file that uses them calls
#   bg_teardown from its teardown, which ends what a failed test left.

# GPIPE is the binary under test (the sanitizer run points it at build/asan/gpipe).
# A relative GPIPE is made absolute here, before the cd below.
GPIPE=${GPIPE:-"$BATS_TEST_DIRNAME/../../gpipe"}
if [[ $GPIPE == */* && $GPIPE != /* ]]; then GPIPE=$PWD/$GPIPE; fi
FIXTURES="$BATS_TEST_DIRNAME/../fixtures"
export LC_ALL=C

# Every test works in its own scratch directory, never in the working tree:
# a file a test writes by a relative name lands there and is removed with it.
# $ABSENT names a file that does not exist there.
if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
	cd "$BATS_TEST_TMPDIR" || exit 1
	ABSENT=$BATS_TEST_TMPDIR/absent.log
fi

# gp ARGS...: run gpipe (stderr kept apart: bats >= 1.5 `run --separate-stderr`).
gp() { "$GPIPE" "$@"; }

no_asan() { [ "${GPIPE_ASAN:-0}" != 1 ] || skip "sanitizer build"; }

# need TOOL...: skips the test unless every TOOL is on PATH.
need() {
	local t
	for t; do command -v "$t" > /dev/null || skip "$t is not installed"; done
}

# valgrind_setup: skips under the sanitizer build or without valgrind, and
# writes jit.supp. PCRE2's JIT code has no symbols and reads whole words past
# the subject (within its buffer): memcheck reports whose top frame is in that
# anonymous code are not gpipe's.
valgrind_setup() {
	no_asan
	command -v valgrind > /dev/null || skip "valgrind is not installed"
	printf '%s\n' '{' '   pcre2-jit-cond' '   Memcheck:Cond' '   obj:???' '}' \
		'{' '   pcre2-jit-value8' '   Memcheck:Value8' '   obj:???' '}' > jit.supp
}

# vg STATUS ARGS...: gpipe ARGS under memcheck exits STATUS (99: a memory
# error or a definite, indirect or possible leak) and leaves no descriptor of
# its own open. Standard input is $VG_STDIN (default /dev/null).
vg() {
	local want=$1
	shift
	local st=0
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=99 --track-fds=yes --suppressions=jit.supp --log-file=vg.log \
		"$GPIPE" "$@" > vg.out 2> vg.err < "${VG_STDIN:-/dev/null}" || st=$?
	if [ "$st" -ne "$want" ]; then
		echo "gpipe $*: status $st, want $want"
		cat vg.log vg.err
		return 1
	fi
	local open inherited
	open=$(grep -c 'Open file descriptor' vg.log || true)
	inherited=$(grep -c '<inherited from parent>' vg.log || true)
	if [ "$open" -ne "$inherited" ]; then
		echo "gpipe $*: descriptors left open at exit"
		cat vg.log
		return 1
	fi
}

# fails_with LINE...: the last `run --separate-stderr` exited 2, printed
# nothing on stdout, and exactly these lines on stderr.
fails_with() {
	local want
	want=$(printf '%s\n' "$@")
	if [ "$status" -ne 2 ] || [ -n "$output" ] || [ "$stderr" != "$want" ]; then
		printf 'status %s (want 2)\n--- stdout:\n%s\n--- stderr:\n%s\n--- wanted stderr:\n%s\n' \
			"$status" "$output" "$stderr" "$want"
		return 1
	fi
}

# diag EXPR LINE...: gpipe EXPR (on an input that does not exist: nothing may
# be read) fails with exactly these lines, the message and its caret.
diag() {
	local expr=$1
	shift
	run --separate-stderr "$GPIPE" "$expr" "$ABSENT"
	fails_with "$@"
}

# out_is STATUS [LINE...]: the last `run --separate-stderr` exited STATUS,
# printed nothing on stderr, and exactly these lines on stdout (nothing
# when no LINE is given).
out_is() {
	local want_status=$1 want
	shift
	want=$(printf '%s\n' "$@")
	[ $# -gt 0 ] || want=
	if [ "$status" -ne "$want_status" ] || [ -n "$stderr" ] || [ "$output" != "$want" ]; then
		printf 'status %s (want %s)\n--- stdout:\n%s\n--- wanted:\n%s\n--- stderr:\n%s\n' \
			"$status" "$want_status" "$output" "$want" "$stderr"
		return 1
	fi
}

# ok_out LINE...: out_is 0 LINE...
ok_out() { out_is 0 "$@"; }

# one_line FILE REGEX: FILE (a captured stderr) holds exactly one line, and
# it matches REGEX.
one_line() {
	local n
	n=$(wc -l < "$1")
	if [ "$n" -ne 1 ] || ! [[ $(cat "$1") =~ $2 ]]; then
		echo "stderr ($n lines), want one line matching: $2"
		head -c 2000 "$1"
		return 1
	fi
}

# ok_after BAD [some]: gpipe -H 'grep OKMARK' BAD ok.log, where BAD is a
# damaged input, still reads the good ok.log (written here) in full and
# exits 2; stderr is one line (with `some`: one or more lines) and its first
# line starts "gpipe: BAD: " (with `some`: "gpipe: BAD:", for a member's
# origin BAD:member).
ok_after() {
	local bad=$1 some=${2:-} head="gpipe: $1: "
	[ -z "$some" ] || head="gpipe: $1:"
	printf 'OKMARK one\nOKMARK two\n' > ok.log
	run --separate-stderr "$GPIPE" -H 'grep OKMARK' "$bad" ok.log
	[ "$status" -eq 2 ] || { echo "status $status"; return 1; }
	[ "$output" = "ok.log:OKMARK one
ok.log:OKMARK two" ] || { echo "output: $output"; return 1; }
	if [ -n "$some" ]; then
		[ "${#stderr_lines[@]}" -ge 1 ] || { echo "stderr: $stderr"; return 1; }
	else
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "stderr: $stderr"; return 1; }
	fi
	[[ ${stderr_lines[0]} == "$head"* ]] || { echo "stderr: $stderr"; return 1; }
}

# --- tables of cases ------------------------------------------------------------
# A table test runs many cases and reports every one that failed, not only
# the first: cases_begin (in setup), then per case NCASES=$((NCASES + 1))
# and case_fail MESSAGE for each check that fails (case_same does both for
# two files), then report_fails, which fails the test if any case failed or
# none ran. A MESSAGE names its case (the expression, the options).

cases_begin() {
	FAILS=()
	NCASES=0
}

# case_fail MESSAGE: records a failed case (MESSAGE names it).
case_fail() { FAILS+=("$1"); }

# case_same NAME GOT WANT: counts a case, which fails unless the files GOT
# and WANT are the same bytes (the first differing lines are kept).
case_same() {
	NCASES=$((NCASES + 1))
	if ! cmp -s "$2" "$3"; then
		case_fail "$1: output differs (want $(wc -c <"$3") bytes, got $(wc -c <"$2")):
$(diff <(cut -c1-120 "$3" | cat -v) <(cut -c1-120 "$2" | cat -v) | head -n 6)"
	fi
}

report_fails() {
	if [ "${#FAILS[@]}" -gt 0 ]; then
		printf '%d of %d cases failed:\n' "${#FAILS[@]}" "$NCASES"
		printf -- '- %s\n' "${FAILS[@]}"
		return 1
	fi
	[ "$NCASES" -gt 0 ] || { echo "no case ran"; return 1; }
}

# --- waiting and background runs ------------------------------------------------

# wait_until CMD...: polls CMD every 0.1 s, for at most 30 s.
wait_until() {
	local i
	for ((i = 0; i < 300; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*"
	return 1
}

# killed_mid_spill SIGNAL ARGS...: runs gpipe ARGS fifo with TMPDIR=./private,
# the fifo held open so the run waits for more input, until its spill file
# (open, deleted: it has no name) shows in /proc; then sends SIGNAL and
# checks that gpipe ends by it (status 128 + its number) and leaves nothing
# in ./private. The first inputs in ARGS must be enough to make it spill.
killed_mid_spill() {
	local sig=$1 st=0 pid want
	shift
	mkdir -p private
	rm -f fifo
	mkfifo fifo
	TMPDIR="$PWD/private" env --default-signal=INT "$GPIPE" "$@" fifo >out 2>err &
	pid=$!
	exec 4>fifo
	wait_until bash -c "ls -l /proc/$pid/fd | grep -q 'private/.*(deleted)'" || { exec 4>&-; kill -9 $pid; return 1; }
	kill -s "$sig" $pid
	wait $pid || st=$?
	exec 4>&-
	want=$((128 + $(kill -l "$sig")))
	[ "$st" -eq "$want" ] || { echo "$sig: status $st, want $want"; cat err; return 1; }
	[ -z "$(ls -A private)" ] || { echo "$sig: left in TMPDIR: $(ls -A private)"; return 1; }
}

# wait_for FILE WANT: polls (up to 10 s) until FILE holds exactly WANT.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(cat "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "after 10 s, $1 holds: '$(cat "$1")', want '$2'"
	return 1
}

# fifo_gp [-i] ARGS...: makes the FIFO ./fifo and starts gpipe ARGS fifo in
# the background (with -i: gpipe ARGS < fifo), stdout to ./out and stderr
# to ./err, its pid in $GP_PID; then opens the FIFO's write side on
# descriptor 5 ($WRITER_OPEN), so the input stays open until fifo_close.
# (gpipe gets no descriptor 3: bats would wait for it to close.)
fifo_gp() {
	mkfifo fifo
	if [ "$1" = -i ]; then
		shift
		"$GPIPE" "$@" < fifo > out 2> err 3>&- &
	else
		"$GPIPE" "$@" fifo > out 2> err 3>&- &
	fi
	GP_PID=$!
	exec 5<> fifo
	WRITER_OPEN=1
}

# fifo_close: closes the write side of the FIFO: gpipe sees its end.
fifo_close() {
	exec 5>&-
	WRITER_OPEN=
}

# gp_exits_within SECONDS: the background gpipe ($GP_PID) ends on its own
# within SECONDS (while the FIFO may still be open).
gp_exits_within() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		kill -0 "$GP_PID" 2> /dev/null || return 0
		sleep 0.1
	done
	echo "gpipe still running after $1 s; output: '$(cat out)'"
	return 1
}

# gp_reaped STATUS: waits for the background gpipe ($GP_PID), which must
# have exited with STATUS and written nothing on stderr (./err).
gp_reaped() {
	local rc=0
	wait "$GP_PID" || rc=$?
	GP_PID=
	[ "$rc" -eq "$1" ] || { echo "status $rc, want $1"; cat err; return 1; }
	[ ! -s err ] || { echo "stderr:"; cat err; return 1; }
}

# bg_teardown: for teardown: closes a FIFO writer left open and ends a
# gpipe left running by a failed test.
bg_teardown() {
	if [ -n "${WRITER_OPEN:-}" ]; then fifo_close; fi
	if [ -n "${GP_PID:-}" ] && kill -0 "$GP_PID" 2> /dev/null; then
		kill "$GP_PID" 2> /dev/null || true
	fi
}

# --- memory -----------------------------------------------------------------------

# peakrss_tool: $PEAKRSS is tests/tools/peakrss (OUT CMD...: CMD's peak RSS
# in KiB written to OUT), the built one under $GPIPE_BUILD or compiled here.
peakrss_tool() {
	if [ -n "${GPIPE_BUILD:-}" ] && [ -x "$GPIPE_BUILD/tools/peakrss" ]; then
		PEAKRSS="$GPIPE_BUILD/tools/peakrss"
	else
		PEAKRSS="$BATS_TEST_TMPDIR/peakrss"
		cc -O2 -o "$PEAKRSS" "$BATS_TEST_DIRNAME/../tools/peakrss.c"
	fi
}

# flat_rss EXPR SMALL BIG: gpipe EXPR on the file SMALL and on the file BIG
# (stdout to SMALL.out and BIG.out) exits 0 both times, with peak resident
# sizes less than 1 MiB apart. Skipped under the sanitizer build.
# It measures the chain's own memory, on one thread (-j 1): the pieces -j
# keeps in flight have a budget of their own, which jobs.bats checks.
flat_rss() {
	local expr=$1 a=$2 b=$3 ra rb d
	no_asan
	peakrss_tool
	"$PEAKRSS" "$a.rss" "$GPIPE" -j 1 "$expr" "$a" > "$a.out"
	"$PEAKRSS" "$b.rss" "$GPIPE" -j 1 "$expr" "$b" > "$b.out"
	ra=$(cat "$a.rss") rb=$(cat "$b.rss")
	echo "# peak RSS $a=$ra KiB $b=$rb KiB" >&3
	d=$((rb - ra))
	[ "${d#-}" -lt 1024 ] || { echo "peak RSS $a=$ra KiB $b=$rb KiB: more than 1 MiB apart"; return 1; }
}
