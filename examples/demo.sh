#!/bin/sh
# make demo: a few pipelines over the sample log, each shown before its output.
set -u
gp=${1:-./gpipe}
log=${2:-examples/app.log}
show() {
	printf '\n$ gpipe'
	for a in "$@"; do
		case $a in
		*[!A-Za-z0-9_./=-]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
	"$gp" "$@"
}
printf 'gpipe %s on %s (%s lines)\n' "$("$gp" --version | cut -d' ' -f2)" "$log" "$(wc -l < "$log")"
show -n 'grep ERROR | head 5' "$log"
show 'grep -i "timeout|exception" | count' "$log"
show 'grep -o "status=5[0-9]{2}" | tail 3' "$log"
show 'grep -w -e NullPointerException -e IllegalStateException | trim | upper | head 2' "$log"
show 'parse -k "{ts} {level} [{thread}] {method} {path} status={status} latency_ms={latency} {}" | where status >= 500 or latency > 1000 | format "{ts} {status} {latency}ms {path}" | head 4' "$log"
show -o json 'parse -k "{} {level} [{thread}] {method} {path} status={status} {}" | where status >= 500 | select level thread status path | head 2' "$log"
show 'multiline -c "^\s+at |^Caused by:|^\s+\.\.\. \d+ more" | grep -F NullPointerException | head 1' "$log"
show --explain 'grep -F java.lang. | head 1' "$log"
echo
