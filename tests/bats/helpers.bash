# Shared set-up for the bats suites.
# GPIPE is the binary under test (the sanitizer run points it at build/asan/gpipe).
GPIPE=${GPIPE:-"$BATS_TEST_DIRNAME/../../gpipe"}
FIXTURES="$BATS_TEST_DIRNAME/../fixtures"
export LC_ALL=C

# gp ARGS...: run gpipe (stderr kept apart: bats >= 1.5 `run --separate-stderr`).
gp() { "$GPIPE" "$@"; }
