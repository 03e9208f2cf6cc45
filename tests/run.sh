#!/usr/bin/env bash
# Runs every test: the C unit tests and the bats suites, first on the release
# build (./gpipe), then on the AddressSanitizer + UBSan build
# (build/asan/gpipe) unless GPIPE_SKIP_ASAN=1. Prints what failed, and as its
# last line "N passed, N failed[, N skipped]". Exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.." || exit 2

passed=0 failed=0 skipped=0

# Tests never write into the working tree: what git sees before the run must
# be what it sees after it.
tree_before=$(git status --porcelain --untracked-files=all 2>/dev/null)

# The acceptance corpus (real logs, angle-grinder's and GNU grep's tests, with
# answers computed without gpipe) lives beside the repository in
# ../shared/corpus; GPIPE_CORPUS names another place.
corpus_dir=${GPIPE_CORPUS:-../shared/corpus}

# tally LABEL CMD...: runs a TAP producer and counts its results.
tally() {
	local label=$1; shift
	local out rc p=0 f=0 s=0
	out=$("$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		case $line in
		"not ok "*) f=$((f + 1)); printf '  FAIL [%s] %s\n' "$label" "$line" ;;
		"ok "*"# skip"*|"ok "*"# SKIP"*) s=$((s + 1)) ;;
		"ok "*) p=$((p + 1)) ;;
		esac
	done <<<"$out"
	if [ "$f" -gt 0 ]; then
		# Show the diagnostics of the failures (TAP comment lines).
		grep -E '^#|^not ok' <<<"$out" | head -n 200 | sed 's/^/    /'
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		printf '  FAIL [%s] exited %d without a failing test:\n' "$label" "$rc"
		tail -n 30 <<<"$out" | sed 's/^/    /'
	fi
	printf '%-28s %4d passed, %d failed, %d skipped\n' "$label" "$p" "$f" "$s"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

suite() {
	local build=$1 bin=$2 tag=$3
	for t in "$build"/unit/test_*; do
		[ -x "$t" ] || continue
		tally "$tag unit $(basename "$t")" "$t"
	done
	for r in "$build"/replay/*; do
		[ -x "$r" ] || continue
		local name seeds
		name=$(basename "$r")
		seeds=$(find "fuzz/corpus/$name" -type f 2>/dev/null | sort)
		[ -n "$seeds" ] || continue
		# shellcheck disable=SC2086
		tally "$tag fuzz-replay $name" "$r" $seeds
	done
	tally "$tag bats" env GPIPE="$PWD/$bin" GPIPE_BUILD="$PWD/$build" bats --tap tests/bats
	if [ -d "$corpus_dir" ]; then
		local s
		for s in loghub agrind gnugrep; do
			[ -f "$corpus_dir/run-$s.sh" ] || continue
			tally "$tag corpus $s" corpus_tap "$corpus_dir/run-$s.sh" "$PWD/$bin"
		done
	fi
}

# corpus_tap RUNNER BIN: a corpus runner's "ok NAME", "FAIL NAME: why" and
# "todo NAME: needs X" lines as TAP (a todo, a feature still to build, counts
# as skipped). A FAIL of a case listed in tests/corpus-disagreements.tsv
# (gpipe differs from the expected answer on purpose, the reason written
# there) counts as skipped with that reason; every other FAIL fails.
corpus_tap() {
	local n=0 line rc suite name why
	suite=$(basename "$1" .sh)
	suite=${suite#run-}
	declare -A agreed_not=()
	while IFS=$'\t' read -r s c why; do
		[[ -z $s || $s == \#* || $s != "$suite" ]] && continue
		agreed_not[$c]=$why
	done <tests/corpus-disagreements.tsv
	while IFS= read -r line; do
		case $line in
		"ok "*) n=$((n + 1)); echo "ok $n ${line#ok }" ;;
		"FAIL "*)
			n=$((n + 1))
			name=${line#FAIL }
			name=${name%%:*}
			if [[ -n ${agreed_not[$name]:-} ]]; then
				echo "ok $n $name # skip disagrees on purpose: ${agreed_not[$name]}"
			else
				echo "not ok $n ${line#FAIL }"
			fi ;;
		"todo "*) n=$((n + 1)); echo "ok $n ${line#todo } # skip todo" ;;
		*) echo "# $line" ;;
		esac
	done < <(bash "$1" "$2" 2>&1; echo "# exit $?")
	[ "$n" -gt 0 ]
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# The two builds' suites run side by side (bats is one process at a time,
# so two suites keep both cores of a small CI machine busy); each writes
# its report and counts to a file, printed in order at the end.
# GPIPE_SERIAL=1 runs them one after the other.
work=$(mktemp -d "${TMPDIR:-/tmp}/gpipe-run.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
run_suite() { # OUT build bin tag [env...]
	local out=$1; shift
	(
		passed=0 failed=0 skipped=0
		suite "$@"
		echo "$passed $failed $skipped" >"$out.counts"
	) >"$out" 2>&1
}
run_suite "$work/release" build/release gpipe release &
pids=$!
if [ "${GPIPE_SKIP_ASAN:-0}" != 1 ]; then
	[ "${GPIPE_SERIAL:-0}" = 1 ] && wait "$pids"
	GPIPE_ASAN=1 run_suite "$work/asan" build/asan build/asan/gpipe asan &
	pids="$pids $!"
fi
# shellcheck disable=SC2086
wait $pids
for s in release asan; do
	[ -f "$work/$s" ] || continue
	cat "$work/$s"
	if read -r p f k <"$work/$s.counts" 2>/dev/null; then
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + k))
	else
		failed=$((failed + 1))
		echo "  FAIL [$s] the suite ended without its counts"
	fi
done

if [ ! -d "$corpus_dir" ]; then
	echo "note: no acceptance corpus at $corpus_dir; its suites were not run"
fi

tree_after=$(git status --porcelain --untracked-files=all 2>/dev/null)
if [ "$tree_before" != "$tree_after" ]; then
	failed=$((failed + 1))
	echo "  FAIL the tests changed the working tree (git status before and after):"
	diff <(printf '%s\n' "$tree_before") <(printf '%s\n' "$tree_after") | sed 's/^/    /'
fi

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
