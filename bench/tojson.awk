# bench/tojson.awk - the bench log as JSON Lines: access lines become typed
# fields (status, latency_ms and bytes as numbers), other lines ts/level/thread/msg,
# stack-trace lines {"msg": ...}. Compact, canonical numbers: jq -c prints it unchanged.
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, "\\t", s); return s }
{
	if ($1 !~ /^20[0-9][0-9]-/) { printf "{\"msg\":\"%s\"}\n", esc($0); next }
	ts = $1; lvl = $2; th = $3; gsub(/^\[|\]$/, "", th)
	if ($6 ~ /^status=[0-9]+$/ && $7 ~ /^latency_ms=[0-9]+$/ && $8 ~ /^bytes=[0-9]+$/) {
		ua = $0; sub(/^.* ua="/, "", ua); sub(/".*$/, "", ua)
		printf "{\"ts\":\"%s\",\"level\":\"%s\",\"thread\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%s,\"latency_ms\":%s,\"bytes\":%s,\"ua\":\"%s\"}\n", ts, lvl, th, $4, esc($5), substr($6, 8), substr($7, 12), substr($8, 7), esc(ua)
		next
	}
	msg = $0; sub(/^[^ ]+ +[A-Z]+ +\[[^]]*\] /, "", msg)
	printf "{\"ts\":\"%s\",\"level\":\"%s\",\"thread\":\"%s\",\"msg\":\"%s\"}\n", ts, lvl, th, esc(msg)
}
