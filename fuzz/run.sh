#!/bin/sh
# make fuzz: builds each libFuzzer target with clang (ASan + UBSan) and runs it
# for FUZZ_SECONDS (default 60) from its seed corpus in fuzz/corpus/NAME
# (FUZZ_ONLY=NAME runs one target).
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
srcs=$(find src -name '*.c' | sort | grep -v '^src/main.c$')
# The libraries and their flags come from the Makefile (make fuzz-flags).
pkg=$(make -s --no-print-directory fuzz-flags)
flags="-std=c11 -D_GNU_SOURCE -g -O1 -pthread -fsanitize=fuzzer,address,undefined $(echo "$pkg" | sed -n 1p)"
libs=$(echo "$pkg" | sed -n 2p)
only=${FUZZ_ONLY:-}
mkdir -p fuzz/out
for t in fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	name=${name#fuzz_}
	if [ -n "$only" ] && [ "$only" != "$name" ]; then
		continue
	fi
	# shellcheck disable=SC2086
	clang $flags -o "fuzz/out/$name" "$t" $srcs $libs
	mkdir -p "fuzz/out/corpus-$name"
	seeds="fuzz/corpus/$name"
	[ -d "$seeds" ] || seeds=""
	echo "fuzz: $name for ${secs}s" >&2
	"fuzz/out/$name" -artifact_prefix="fuzz/out/$name-" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
		"fuzz/out/corpus-$name" $seeds
done
