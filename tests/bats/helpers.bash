# Shared set-up for the bats suites.
# GPIPE is the binary under test (the sanitizer run points it at build/asan/gpipe).
GPIPE=${GPIPE:-"$BATS_TEST_DIRNAME/../../gpipe"}
FIXTURES="$BATS_TEST_DIRNAME/../fixtures"
export LC_ALL=C

# Every test works in its own scratch directory, never in the working tree:
# a file a test writes by a relative name lands there and is removed with it.
if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
	cd "$BATS_TEST_TMPDIR" || exit 1
fi

# gp ARGS...: run gpipe (stderr kept apart: bats >= 1.5 `run --separate-stderr`).
gp() { "$GPIPE" "$@"; }

no_asan() { [ "${GPIPE_ASAN:-0}" != 1 ] || skip "sanitizer build"; }

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
	run --separate-stderr "$GPIPE" "$expr" "${ABSENT:-$BATS_TEST_TMPDIR/absent.log}"
	fails_with "$@"
}

# ok_out LINE...: the last `run --separate-stderr` exited 0, printed nothing
# on stderr, and exactly these lines on stdout.
ok_out() {
	local want
	want=$(printf '%s\n' "$@")
	if [ "$status" -ne 0 ] || [ -n "$stderr" ] || [ "$output" != "$want" ]; then
		printf 'status %s (want 0)\n--- stdout:\n%s\n--- wanted:\n%s\n--- stderr:\n%s\n' \
			"$status" "$output" "$want" "$stderr"
		return 1
	fi
}
