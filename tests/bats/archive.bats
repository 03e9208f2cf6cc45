#!/usr/bin/env bats
# Archives: tar (plain, .gz, .bz2, .xz, .zst), zip (deflate and stored), 7z,
# cpio (odc and newc), ar and ISO 9660. Each regular member is a stream of
# its own, in archive order, with the origin archive:member and its own line
# numbers; directories, links and devices are skipped; compressed members
# and archives inside archives are opened in turn; control characters in
# member names print escaped. Differential against bsdtar -xOf; damaged tars
# and encrypted zip members are reported and the rest delivered; head stops
# early; memory does not grow with the number of members; --explain; valgrind.
#
# The archives are made with bsdtar (libarchive-tools), ar, and optionally
# GNU tar, zip, gzip, bzip2, xz and zstd: a test needing a missing one is
# skipped.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
	F=$BATS_FILE_TMPDIR
	export F
	command -v bsdtar > /dev/null || return 0
	cc -O2 -o "$F/gen" "$BATS_TEST_DIRNAME/../../bench/gen.c"
	# Three members of 1 MiB of log each: every archive is bigger than one
	# 256 KiB read block, and every member too.
	mkdir -p "$F/m"
	"$F/gen" 1M 2 > "$F/m/a.log"
	"$F/gen" 1M 3 > "$F/m/b.log"
	"$F/gen" 1M 4 > "$F/m/c.log"
	local k
	for k in $KINDS; do
		(cd "$F/m" && mkarchive "$k" "$F/big.$(ext "$k")" a.log b.log c.log) 2> /dev/null ||
			rm -f "$F/big.$(ext "$k")"
	done
}

setup() {
	F=$BATS_FILE_TMPDIR
	command -v bsdtar > /dev/null || skip "bsdtar (libarchive-tools) is not installed"
	GP_PID=
	WRITER_OPEN=
}

teardown() { bg_teardown; }

# --- making archives ----------------------------------------------------------------

# The archive kinds, and the file name suffix of each.
KINDS="tar tgz tbz2 txz tzst gnutgz zip zipstore 7z cpio newc ar iso"

ext() {
	case $1 in
	tar) echo tar ;; tgz) echo tar.gz ;; tbz2) echo tar.bz2 ;; txz) echo tar.xz ;;
	tzst) echo tar.zst ;; gnutgz) echo gnu.tar.gz ;; zip) echo zip ;;
	zipstore) echo store.zip ;; 7z) echo 7z ;; cpio) echo cpio ;; newc) echo newc.cpio ;;
	ar) echo a ;; iso) echo iso ;;
	esac
}

# mkarchive KIND OUT FILE...: an archive of FILE... (relative paths).
mkarchive() {
	local k=$1 out=$2
	shift 2
	case $k in
	tar) bsdtar -cf "$out" "$@" ;;
	tgz) bsdtar -czf "$out" "$@" ;;
	tbz2) bsdtar -cjf "$out" "$@" ;;
	txz) bsdtar -cJf "$out" --options xz:compression-level=1 "$@" ;;
	tzst) bsdtar --zstd -cf "$out" "$@" ;;
	gnutgz) tar --format=gnu -czf "$out" "$@" ;;
	zip) bsdtar --format zip -cf "$out" "$@" ;;
	zipstore) bsdtar --format zip --options zip:compression=store -cf "$out" "$@" ;;
	7z) bsdtar --format 7zip --options 7zip:compression-level=1 -cf "$out" "$@" ;;
	cpio) bsdtar --format cpio -cf "$out" "$@" ;;
	newc) bsdtar --format newc -cf "$out" "$@" ;;
	ar) rm -f "$out" && ar rc "$out" "$@" ;;
	iso) bsdtar --format iso9660 -cf "$out" "$@" ;;
	esac
}

# can_make KIND: an archive of KIND can be made here.
can_make() {
	local ok=0
	mkdir -p probe
	printf 'p\n' > probe/p.log
	(cd probe && mkarchive "$1" ../probe.out p.log) > /dev/null 2>&1 || ok=1
	rm -rf probe probe.out
	return "$ok"
}

need_kind() { can_make "$1" || skip "cannot make a $1 archive here"; }

# small_members: a.log (last line without newline), b.log, an empty
# member, c.log; in sm/.
small_members() {
	mkdir -p sm
	printf 'a1\na2 ERROR\na3' > sm/a.log
	printf 'b1 ERROR\n' > sm/b.log
	: > sm/empty.log
	printf 'c1\nc2 ERROR\n' > sm/c.log
}

# check_small KIND: the small members in a KIND archive, read by gpipe.
check_small() {
	local k=$1 a
	need_kind "$k"
	small_members
	a=x.$(ext "$k")
	(cd sm && mkarchive "$k" "../$a" a.log b.log empty.log c.log)
	run --separate-stderr "$GPIPE" -H -n 'grep ""' "$a"
	[ "$status" -eq 0 ] || { echo "$k: status $status: $stderr"; return 1; }
	[ "$stderr" = "" ] || { echo "$k: stderr: $stderr"; return 1; }
	[ "$output" = "$a:a.log:1:a1
$a:a.log:2:a2 ERROR
$a:a.log:3:a3
$a:b.log:1:b1 ERROR
$a:c.log:1:c1
$a:c.log:2:c2 ERROR" ] || { echo "$k:"; echo "${output:0:400}"; return 1; }
	run --separate-stderr "$GPIPE" 'grep ERROR' "$a"
	[ "$output" = "a2 ERROR
b1 ERROR
c2 ERROR" ]
	run --separate-stderr "$GPIPE" -n 'grep ERROR' "$a"
	[ "$output" = "2:a2 ERROR
1:b1 ERROR
2:c2 ERROR" ]
	run --separate-stderr "$GPIPE" count "$a"
	[ "$status" -eq 0 ]
	[ "$output" = "6" ]
	run --separate-stderr "$GPIPE" -H 'grep -v 1' "$a"
	[ "$output" = "$a:a.log:a2 ERROR
$a:a.log:a3
$a:c.log:c2 ERROR" ]
}

# --- each member a stream of its own ------------------------------------------------

@test "tar: members in order, origin archive:member with -H, line numbers restart with -n" {
	check_small tar
	# The -H -n form of the design: logs.tar:a.log:3:text.
	printf 'one\ntwo\nthe text\n' > a.log
	bsdtar -cf logs.tar a.log
	run --separate-stderr "$GPIPE" -H -n 'grep text' logs.tar
	[ "$status" -eq 0 ]
	[ "$output" = "logs.tar:a.log:3:the text" ]
	# Several archives and plain files in the order given.
	printf 'plain ERROR\n' > p.log
	run --separate-stderr "$GPIPE" -H 'grep ERROR' p.log x.tar p.log
	[ "$output" = "p.log:plain ERROR
x.tar:a.log:a2 ERROR
x.tar:b.log:b1 ERROR
x.tar:c.log:c2 ERROR
p.log:plain ERROR" ]
}

@test "tar.gz with directories: logs.tar.gz:app/2024-06-01.log:line" {
	mkdir -p app/sub
	printf 'start\n2024-06-01 ERROR disk full\n' > app/2024-06-01.log
	printf '2024-06-02 ERROR again\n' > app/sub/2024-06-02.log
	bsdtar -czf logs.tar.gz app
	run --separate-stderr "$GPIPE" -H 'grep ERROR' logs.tar.gz
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "logs.tar.gz:app/2024-06-01.log:2024-06-01 ERROR disk full
logs.tar.gz:app/sub/2024-06-02.log:2024-06-02 ERROR again" ]
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' logs.tar.gz
	[ "$output" = "logs.tar.gz:app/2024-06-01.log:2:2024-06-01 ERROR disk full
logs.tar.gz:app/sub/2024-06-02.log:1:2024-06-02 ERROR again" ]
	# A path to the archive is kept as given.
	mkdir d
	cp logs.tar.gz d/
	run --separate-stderr "$GPIPE" -H 'grep full' d/logs.tar.gz
	[ "$output" = "d/logs.tar.gz:app/2024-06-01.log:2024-06-01 ERROR disk full" ]
}

@test "tar.gz, tar.bz2, tar.xz, tar.zst and GNU tar -czf: members of the compressed tar" {
	local k n=0
	for k in tgz tbz2 txz tzst gnutgz; do
		can_make "$k" || continue
		n=$((n + 1))
		check_small "$k"
	done
	[ "$n" -ge 1 ] || skip "cannot make a compressed tar here"
}

@test "zip, deflated and stored: members in order" {
	check_small zip
	check_small zipstore
	# Stored really is stored, deflate really is deflate.
	[ "$(od -An -tu2 -j8 -N2 x.store.zip | tr -d ' ')" = 0 ]
	[ "$(od -An -tu2 -j8 -N2 x.zip | tr -d ' ')" = 8 ]
}

@test "7z: members in order" { check_small 7z; }
@test "cpio (odc) and cpio (newc): members in order" {
	check_small cpio
	check_small newc
}

@test "ar: members in order, a long member name included" {
	check_small ar
	printf 'long1\nlong2 ERROR\n' > a-member-name-longer-than-sixteen.log
	printf 's1 ERROR\n' > s.log
	rm -f lib.a
	ar rc lib.a s.log a-member-name-longer-than-sixteen.log
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' lib.a
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "lib.a:s.log:1:s1 ERROR
lib.a:a-member-name-longer-than-sixteen.log:2:long2 ERROR" ]
}

@test "ISO 9660: members in order" { check_small iso; }

@test "an archive with no regular member gives no records, exit 1, nothing on stderr" {
	mkdir -p onlydir/sub
	bsdtar -cf dirs.tar onlydir
	: > e1.log
	: > e2.log
	bsdtar -cf empties.tar e1.log e2.log
	bsdtar --format zip -cf empty.zip -T /dev/null
	bsdtar --format newc -cf empty.cpio -T /dev/null
	local a
	for a in dirs.tar empties.tar empty.zip empty.cpio; do
		[ -s "$a" ]
		run --separate-stderr "$GPIPE" 'grep ""' "$a"
		[ "$status" -eq 1 ] || { echo "$a: status $status: $stderr"; return 1; }
		[ "$output" = "" ] || { echo "$a: $output"; return 1; }
		[ "$stderr" = "" ] || { echo "$a: $stderr"; return 1; }
	done
}

@test "directories, symlinks, devices and FIFOs inside an archive are skipped, links not followed" {
	mkdir -p sl/dir
	printf 'r1\n' > sl/a.log
	printf 'r2\n' > sl/b.log
	ln -s a.log sl/link.log
	ln -s /etc/hostname sl/abs.log
	printf '%s\n' '#mtree' \
		'./cdev type=char mode=0644 device=native,1,3' \
		'./bdev type=block mode=0644 device=native,8,0' \
		'./fifo type=fifo mode=0644' > sl/spec
	local a want
	(cd sl && bsdtar -cf ../s.tar a.log dir link.log abs.log @spec b.log)
	[ "$(bsdtar -tf s.tar | wc -l)" -eq 8 ]
	(cd sl && bsdtar --format newc -cf ../s.cpio a.log dir link.log abs.log @spec b.log)
	(cd sl && bsdtar --format zip -cf ../s.zip a.log dir link.log abs.log b.log)
	(cd sl && bsdtar --format 7zip -cf ../s.7z a.log dir link.log abs.log b.log)
	(cd sl && bsdtar --format iso9660 -cf ../s.iso a.log dir link.log abs.log b.log) 2> /dev/null || rm -f s.iso
	for a in s.tar s.cpio s.zip s.7z s.iso; do
		[ -f "$a" ] || continue
		run --separate-stderr "$GPIPE" -H 'grep ""' "$a"
		[ "$status" -eq 0 ] || { echo "$a: status $status: $stderr"; return 1; }
		[ "$stderr" = "" ] || { echo "$a: $stderr"; return 1; }
		want="$a:a.log:r1
$a:b.log:r2"
		[ "$output" = "$want" ] || { echo "$a:"; echo "$output"; return 1; }
	done
	# In a newc cpio a symlink's target is stored as its data: still skipped.
	[ "$(bsdtar -tvf s.cpio | grep -c '^l')" -eq 2 ]
}

# --- nesting ------------------------------------------------------------------------

@test "a compressed member is decompressed in turn; inside an archive too the bytes decide" {
	printf 'gz1\ngz2 ERROR\n' > app.log
	gzip -c app.log > app.log.gz
	printf 'plain ERROR\n' > notgz.log.gz
	gzip -c app.log > gz-named.txt
	local extra=()
	if command -v bzip2 > /dev/null; then
		printf 'bz ERROR\n' | bzip2 -c > x.log.bz2
		extra+=(x.log.bz2)
	fi
	if command -v zstd > /dev/null; then
		printf 'zst ERROR\n' | zstd -q -c > x.log.zst
		extra+=(x.log.zst)
	fi
	bsdtar -cf logs.tar app.log.gz notgz.log.gz gz-named.txt "${extra[@]}"
	local want="logs.tar:app.log.gz:2:gz2 ERROR
logs.tar:notgz.log.gz:1:plain ERROR
logs.tar:gz-named.txt:2:gz2 ERROR"
	[ ! -f x.log.bz2 ] || want+=$'\n'"logs.tar:x.log.bz2:1:bz ERROR"
	[ ! -f x.log.zst ] || want+=$'\n'"logs.tar:x.log.zst:1:zst ERROR"
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' logs.tar
	out_is 0 "$want"
	# The same members in a zip.
	bsdtar --format zip -cf logs.zip app.log.gz notgz.log.gz gz-named.txt "${extra[@]}"
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' logs.zip
	[ "$output" = "${want//logs.tar:/logs.zip:}" ]
	# A big compressed member, crossing read blocks: the same lines as zcat.
	gzip -c "$F/m/a.log" > big.log.gz
	bsdtar -cf big.tar big.log.gz
	"$GPIPE" 'grep ""' big.tar | cmp - "$F/m/a.log"
}

@test "archives inside archives are opened in turn: outer.tar:inner.zip:file.log" {
	mkdir -p in
	printf 'f1\nf2 ERROR\n' > in/file.log
	printf 'g1 ERROR\n' > in/other.log
	(cd in && bsdtar --format zip -cf ../inner.zip file.log other.log)
	printf 'top ERROR\n' > top.log
	bsdtar -cf outer.tar top.log inner.zip
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' outer.tar
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = "outer.tar:top.log:1:top ERROR
outer.tar:inner.zip:file.log:2:f2 ERROR
outer.tar:inner.zip:other.log:1:g1 ERROR" ]
	# A zip inside a zip, stored and deflated.
	bsdtar --format zip -cf outer.zip inner.zip top.log
	bsdtar --format zip --options zip:compression=store -cf outer-store.zip inner.zip
	run --separate-stderr "$GPIPE" -H 'grep ERROR' outer.zip outer-store.zip
	[ "$status" -eq 0 ]
	[ "$output" = "outer.zip:inner.zip:file.log:f2 ERROR
outer.zip:inner.zip:other.log:g1 ERROR
outer.zip:top.log:top ERROR
outer-store.zip:inner.zip:file.log:f2 ERROR
outer-store.zip:inner.zip:other.log:g1 ERROR" ]
	# Three levels, with a compressed tar in the middle.
	mkdir -p deep
	printf 'd1\nd2\nd3 ERROR\n' > deep/deep.log
	(cd deep && bsdtar -czf ../inner.tar.gz deep.log)
	bsdtar --format zip -cf mid.zip inner.tar.gz
	bsdtar -cf top.tar mid.zip
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' top.tar
	[ "$output" = "top.tar:mid.zip:inner.tar.gz:deep.log:3:d3 ERROR" ]
	run --separate-stderr "$GPIPE" count top.tar outer.tar
	[ "$output" = "7" ]
}

@test "member names with control characters print escaped" {
	mkdir -p cc
	printf 'n1 ERROR\n' > "cc/a
b.log"
	printf 'n2 ERROR\n' > cc/plain.log
	(cd cc && bsdtar -cf ../ctl.tar "a
b.log" plain.log)
	# (bsdtar lists the name escaped, as gpipe prints it.)
	[ "$(bsdtar -tf ctl.tar | head -n 1)" = 'a\nb.log' ]
	run --separate-stderr "$GPIPE" -H 'grep ERROR' ctl.tar
	[ "$status" -eq 0 ]
	[ "$stderr" = "" ]
	[ "$output" = 'ctl.tar:a\nb.log:n1 ERROR
ctl.tar:plain.log:n2 ERROR' ]
	[ "${#lines[@]}" -eq 2 ]
	(cd cc && bsdtar --format zip -cf ../ctl.zip "a
b.log")
	run --separate-stderr "$GPIPE" -H -n 'grep ERROR' ctl.zip
	[ "$output" = 'ctl.zip:a\nb.log:1:n1 ERROR' ]
}

@test "an archive on standard input is detected and read" {
	small_members
	(cd sm && bsdtar -czf ../x.tar.gz a.log b.log empty.log c.log)
	(cd sm && bsdtar --format zip -cf ../x.zip a.log b.log empty.log c.log)
	(cd sm && bsdtar --format newc -cf ../x.cpio a.log b.log empty.log c.log)
	local a
	for a in x.tar.gz x.zip x.cpio; do
		run --separate-stderr bash -c 'cat "$1" | "$0" -H -n "grep ERROR"' "$GPIPE" "$a"
		[ "$status" -eq 0 ] || { echo "$a: status $status: $stderr"; return 1; }
		[ "$stderr" = "" ]
		[ "$output" = "(standard input):a.log:2:a2 ERROR
(standard input):b.log:1:b1 ERROR
(standard input):c.log:2:c2 ERROR" ] || { echo "$a: $output"; return 1; }
	done
	bash -c 'cat "$1" | "$0" "grep \"\""' "$GPIPE" "$F/big.tar.gz" | cmp - <(cat "$F"/m/{a,b,c}.log)
}

@test "--raw: an archive is searched as bytes" {
	small_members
	(cd sm && bsdtar -cf ../x.tar a.log b.log c.log)
	"$GPIPE" --raw -H -n 'grep ERROR' x.tar | cmp - <(grep -a -H -n ERROR x.tar)
	run --separate-stderr "$GPIPE" --raw -H 'grep -F ustar' x.tar
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == x.tar:* ]]
	[[ ${lines[0]} != x.tar:a.log:* ]]
	run --separate-stderr "$GPIPE" --raw count x.tar
	[ "$output" = "$(grep -ac '' x.tar)" ]
}

# --- differential: the same lines as bsdtar -xOf ------------------------------------

# differential KIND: gpipe on the 3 MiB archive of KIND agrees with
# bsdtar -xOf (and, per member, with grep -n on the member).
differential() {
	local k=$1 a
	a=$F/big.$(ext "$k")
	[ -f "$a" ] || skip "cannot make a $k archive here"
	bsdtar -xOf "$a" > ref.log
	cmp ref.log <(cat "$F"/m/{a,b,c}.log)
	"$GPIPE" 'grep ERROR' "$a" | cmp - <(grep ERROR ref.log)
	"$GPIPE" 'grep -i timeout' "$a" | cmp - <(grep -i timeout ref.log)
	"$GPIPE" 'grep ""' "$a" | cmp - ref.log
	run --separate-stderr "$GPIPE" count "$a"
	out_is 0 "$(wc -l < ref.log)"
	local m
	for m in a.log b.log c.log; do
		grep -n -e ERROR -e 'status=5' "$F/m/$m" | sed "s|^|$a:$m:|"
	done > want
	"$GPIPE" -H -n 'grep -e ERROR -e status=5' "$a" | cmp - want
}

@test "differential: tar = bsdtar -xOf | grep" { differential tar; }
@test "differential: tar.gz" { differential tgz; }
@test "differential: tar.bz2" { differential tbz2; }
@test "differential: tar.xz" { differential txz; }
@test "differential: tar.zst" { differential tzst; }
@test "differential: GNU tar -czf" { differential gnutgz; }
@test "differential: zip (deflate)" { differential zip; }
@test "differential: zip (stored)" { differential zipstore; }
@test "differential: 7z" { differential 7z; }
@test "differential: cpio (odc)" { differential cpio; }
@test "differential: cpio (newc)" { differential newc; }
@test "differential: ar" { differential ar; }
@test "differential: ISO 9660" { differential iso; }

# --- damaged archives -----------------------------------------------------------------

# Offsets in a ustar archive of the three 1 MiB members (no extension
# headers): member i's header is at i * (512 + 1 MiB).
C_HDR=$((2 * (512 + 1048576)))
C_DATA=$((C_HDR + 512))

@test "a tar truncated inside a member: earlier members in full, the member's lines before the cut, one message naming it, exit 2" {
	[ -f "$F/big.tar" ] || skip "no tar"
	[ "$(dd if="$F/big.tar" bs=1 skip="$C_HDR" count=5 status=none)" = c.log ]
	head -c $((C_DATA + 500000)) "$F/big.tar" > bad.tar
	local st=0
	"$GPIPE" 'grep ""' bad.tar > out 2> err || st=$?
	[ "$st" -eq 2 ] || { echo "status $st"; cat err; return 1; }
	# a.log and b.log whole, then whole lines of c.log only.
	cat "$F"/m/{a,b}.log > ab
	head -c "$(stat -c %s ab)" out | cmp - ab
	tail -c +$(($(stat -c %s ab) + 1)) out > rest
	local n min
	n=$(wc -l < rest)
	head -n "$n" "$F/m/c.log" | cmp - rest
	min=$(($(head -c 500000 "$F/m/c.log" | wc -l) / 2))
	[ "$n" -ge "$min" ] || { echo "$n lines of c.log, want at least $min"; return 1; }
	# "bad.tar: … 'c.log' …" or, as an origin, "bad.tar:c.log: … 'c.log' …".
	one_line err "^gpipe: bad\\.tar:.*'c\\.log'"
	ok_after bad.tar some
}

@test "a tar with a damaged header: earlier members in full, one message naming the archive, exit 2" {
	mkdir -p dm
	local m
	for m in a b c d; do seq -f "$m%g" 1 3000 > "dm/$m.log"; done
	(cd dm && bsdtar --format ustar -cf ../good.tar a.log b.log c.log d.log)
	# c.log's header: after two members of (512 + data rounded up to 512).
	local sz off
	sz=$(stat -c %s dm/a.log)
	off=$((2 * (512 + (sz + 511) / 512 * 512)))
	[ "$(dd if=good.tar bs=1 skip="$off" count=5 status=none)" = c.log ]
	cp good.tar bad.tar
	printf 'Z' | dd of=bad.tar bs=1 seek=$((off + 100)) conv=notrunc status=none
	local st=0
	timeout 20 "$GPIPE" 'grep ""' bad.tar > out 2> err || st=$?
	[ "$st" -eq 2 ] || { echo "status $st"; head -c 2000 err; return 1; }
	# a and b whole; d.log may follow if the reader finds the next header.
	cmp out <(cat dm/a.log dm/b.log) || cmp out <(cat dm/a.log dm/b.log dm/d.log)
	one_line err '^gpipe: bad\.tar:'
	ok_after bad.tar some
}

@test "a truncated tar.gz: earlier members in full, the gzip fault and the tar's naming the member, exit 2" {
	[ -f "$F/big.tar.gz" ] || skip "no tar.gz"
	local size
	size=$(stat -c %s "$F/big.tar.gz")
	head -c $((size * 3 / 4)) "$F/big.tar.gz" > bad.tar.gz
	# The cut falls inside c.log's data.
	local have
	have=$(gzip -dc bad.tar.gz 2> /dev/null | wc -c)
	[ "$have" -gt $((C_DATA + 100000)) ] && [ "$have" -lt $((C_DATA + 1048576)) ]
	local st=0
	"$GPIPE" 'grep ""' bad.tar.gz > out 2> err || st=$?
	[ "$st" -eq 2 ] || { echo "status $st"; cat err; return 1; }
	cat "$F"/m/{a,b}.log > ab
	head -c "$(stat -c %s ab)" out | cmp - ab
	tail -c +$(($(stat -c %s ab) + 1)) out > rest
	head -n "$(wc -l < rest)" "$F/m/c.log" | cmp - rest
	[ "$(cat err)" = "gpipe: bad.tar.gz: truncated gzip stream after $((size * 3 / 4)) bytes
gpipe: bad.tar.gz:c.log: truncated tar archive in member 'c.log'" ] || { cat err; return 1; }
	ok_after bad.tar.gz some
}

@test "an encrypted zip member is reported and skipped, the other members delivered, exit 2" {
	need zip
	small_members
	printf 'secret ERROR\n' > sm/secret.log
	(cd sm && zip -q ../mixed.zip a.log && zip -q -P pw ../mixed.zip secret.log && zip -q ../mixed.zip b.log c.log)
	run --separate-stderr "$GPIPE" -H 'grep ERROR' mixed.zip < /dev/null
	[ "$status" -eq 2 ]
	[ "$output" = "mixed.zip:a.log:a2 ERROR
mixed.zip:b.log:b1 ERROR
mixed.zip:c.log:c2 ERROR" ]
	[ "${#stderr_lines[@]}" -eq 1 ] || { echo "$stderr"; return 1; }
	[[ $stderr =~ ^gpipe:\ mixed\.zip:.*secret\.log ]]
	shopt -s nocasematch
	[[ $stderr =~ encrypt|passphrase|password ]]
}

@test "a zip encrypted by bsdtar (zipcrypt, aes256): each member reported, the next input read, exit 2" {
	small_members
	local enc n=0
	for enc in zipcrypt aes256; do
		(cd sm && bsdtar --format zip --options "zip:encryption=$enc" --passphrase pw \
			-cf "../$enc.zip" a.log b.log) < /dev/null 2> /dev/null || continue
		n=$((n + 1))
		run --separate-stderr "$GPIPE" -H 'grep ""' "$enc.zip" sm/c.log < /dev/null
		[ "$status" -eq 2 ] || { echo "$enc: status $status"; return 1; }
		[ "$output" = "sm/c.log:c1
sm/c.log:c2 ERROR" ] || { echo "$enc: $output"; return 1; }
		[ "${#stderr_lines[@]}" -eq 2 ] || { echo "$enc: $stderr"; return 1; }
		[[ ${stderr_lines[0]} =~ ^gpipe:\ $enc\.zip:.*a\.log ]] || { echo "$stderr"; return 1; }
		[[ ${stderr_lines[1]} =~ ^gpipe:\ $enc\.zip:.*b\.log ]] || { echo "$stderr"; return 1; }
		[[ $stderr != *damaged* ]] || { echo "$stderr"; return 1; }
	done
	[ "$n" -gt 0 ] || skip "bsdtar cannot encrypt zips here"
}

# --- head and early exit; memory ----------------------------------------------------

@test "head stops early on a tar.gz that is still being written" {
	[ -f "$F/big.tar.gz" ] || skip "no tar.gz"
	# 60000 bytes (less than a pipe holds) of the archive, then the writer
	# pauses: the first match is in that part.
	head -c 60000 "$F/big.tar.gz" > part
	local first
	first=$(grep -m1 ERROR "$F/m/a.log")
	gzip -dc part 2> /dev/null | grep -qF -- "$first"
	fifo_gp -H 'grep ERROR | head 1'
	cat part >&5
	gp_exits_within 20
	gp_reaped 0
	[ "$(cat out)" = "fifo:a.log:$first" ]
	fifo_close
	# And on a whole file.
	run --separate-stderr timeout 20 "$GPIPE" 'grep ERROR | head 1' "$F/big.tar.gz"
	[ "$status" -eq 0 ]
	[ "$output" = "$first" ]
}

@test "constant memory: peak RSS for a tar of 10 members and of 1000 members differ by < 1 MiB" {
	no_asan
	mkdir -p t10 t1000
	"$F/gen" 4M 9 > all.log
	split -n l/1000 -a 4 -d all.log t1000/m.
	split -n l/10 -a 2 -d all.log t10/m.
	(cd t10 && bsdtar -cf ../t10.tar m.*)
	(cd t1000 && bsdtar -cf ../t1000.tar m.*)
	[ "$(bsdtar -tf t1000.tar | wc -l)" -eq 1000 ]
	flat_rss 'grep ERROR' t10.tar t1000.tar
	cmp t10.tar.out <(grep ERROR all.log)
	cmp t1000.tar.out <(grep ERROR all.log)
}

# --- --explain --------------------------------------------------------------------

@test "--explain shows the detected chain of an archive" {
	printf 'x\n' > x.log
	bsdtar -czf logs.tar.gz x.log
	run --separate-stderr "$GPIPE" --explain 'grep x' logs.tar.gz
	[ "$status" -eq 0 ]
	# The line naming the file and showing its chain, read → … → lines.
	local line
	line=$(grep -F logs.tar.gz <<< "$output" | grep -F 'read →' | head -n 1)
	[[ $line == *"read → gzip → tar"*"→ lines" ]] || { echo "$output"; return 1; }
	bsdtar -cf plain.tar x.log
	run --separate-stderr "$GPIPE" --explain 'grep x' plain.tar
	line=$(grep -F plain.tar <<< "$output" | grep -F 'read →' | head -n 1)
	[[ $line == *"read → tar"*"→ lines" ]] || { echo "$output"; return 1; }
	bsdtar --format zip -cf x.zip x.log
	run --separate-stderr "$GPIPE" --explain 'grep x' x.zip
	line=$(grep -F x.zip <<< "$output" | grep -F 'read →' | head -n 1)
	[[ $line == *"read → zip"*"→ lines" ]] || { echo "$output"; return 1; }
	if command -v xz > /dev/null; then
		bsdtar -cJf logs.txz x.log
		run --separate-stderr "$GPIPE" --explain 'grep x' logs.txz
		line=$(grep -F logs.txz <<< "$output" | grep -F 'read →' | head -n 1)
		[[ $line == *"read → xz → tar"*"→ lines" ]] || { echo "$output"; return 1; }
	fi
}

@test "--explain and the run stack the same layers: 4 and 5 gzip layers over a tar, a nested archive" {
	command -v gzip > /dev/null || skip "gzip is not installed"
	printf 'x 1\n' > a.log
	bsdtar -cf in.tar a.log
	cp in.tar l4
	local i
	for i in 1 2 3 4; do gzip -c l4 > l4.gz && mv l4.gz l4; done
	gzip -c l4 > l5
	# Four layers: both decode them and read the tar under them.
	run --separate-stderr "$GPIPE" --explain count l4
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "input    l4: read → gzip → gzip → gzip → gzip → tar → (each member detected in turn) → lines" ] ||
		{ echo "$output"; return 1; }
	run --separate-stderr "$GPIPE" -H 'grep x' l4
	[ "$status" -eq 0 ]
	[ "$output" = "l4:a.log:x 1" ]
	# Five: both skip it, with the same words.
	run --separate-stderr "$GPIPE" --explain count l5
	[ "${lines[1]}" = "input    l5: read → gzip → gzip → gzip → gzip → (more than 4 compression layers, skipped)" ] ||
		{ echo "$output"; return 1; }
	run --separate-stderr "$GPIPE" 'grep x' l5
	[ "$status" -eq 2 ]
	[ "$stderr" = "gpipe: l5: more than 4 compression layers, skipped" ]
	# A tar holding a gzipped tar: --explain names the outer archive, the
	# run opens the inner one as a member.
	bsdtar -czf inner.tar.gz a.log
	bsdtar -cf outer.tar inner.tar.gz
	run --separate-stderr "$GPIPE" --explain count outer.tar
	[ "${lines[1]}" = "input    outer.tar: read → tar → (each member detected in turn) → lines" ] ||
		{ echo "$output"; return 1; }
	run --separate-stderr "$GPIPE" --explain count inner.tar.gz
	[ "${lines[1]}" = "input    inner.tar.gz: read → gzip → tar → (each member detected in turn) → lines" ] ||
		{ echo "$output"; return 1; }
	run --separate-stderr "$GPIPE" -H 'grep x' outer.tar
	[ "$status" -eq 0 ]
	[ "$output" = "outer.tar:inner.tar.gz:a.log:x 1" ]
}

# --- valgrind ---------------------------------------------------------------------



@test "valgrind: tar.gz with head 1, a zip, nested archives, a damaged tar, an encrypted member" {
	valgrind_setup
	mkdir -p v
	head -c 300K "$F/m/a.log" > v/a.log
	head -c 100K "$F/m/b.log" > v/b.log
	(cd v && bsdtar -czf ../v.tar.gz a.log b.log)
	vg 0 'head 1' v.tar.gz
	vg 0 -H -n 'grep ERROR | head 3' v.tar.gz
	(cd v && bsdtar --format zip -cf ../v.zip a.log b.log)
	vg 0 -H 'grep -i timeout' v.zip
	vg 0 count v.zip v.tar.gz
	bsdtar -cf nested.tar v.zip v.tar.gz
	vg 0 -H -n 'grep ERROR' nested.tar
	vg 0 'head 1' nested.tar
	local size
	size=$(stat -c %s v.tar.gz)
	head -c $((size / 2)) v.tar.gz > t.tar.gz
	vg 2 count t.tar.gz v.zip
	bsdtar -cf v.tar v/a.log v/b.log
	head -c 200000 v.tar > t.tar
	vg 2 'grep ERROR' t.tar
	if command -v zip > /dev/null; then
		(cd v && zip -q ../m.zip a.log && zip -q -P pw ../m.zip b.log)
		vg 2 count m.zip
	fi
	if (cd v && mkarchive 7z ../v.7z a.log b.log) 2> /dev/null; then
		vg 0 'grep ERROR | head 2' v.7z
	fi
}

@test "zip and 7z files are read in place (no temporary copy); from a pipe they are copied to \$TMPDIR" {
	mkdir -p sp
	seq 1 50000 > sp/a.log
	printf 'x\ny\n' > sp/b.log
	bsdtar -C sp -cf sp.zip --format zip a.log b.log
	bsdtar -C sp -cf sp.7z --format 7zip a.log b.log
	local k
	for k in zip 7z; do
		run --separate-stderr env TMPDIR=/nonexistent "$GPIPE" -H 'tail 2' "sp.$k"
		[ "$status" -eq 0 ] && [ -z "$stderr" ]
		[ "$output" = "$(printf 'sp.%s:b.log:x\nsp.%s:b.log:y' "$k" "$k")" ]
		run --separate-stderr env TMPDIR=/nonexistent "$GPIPE" count "sp.$k"
		[ "$output" = 50002 ]
		# From standard input the archive needs a seekable copy.
		run --separate-stderr bash -c 'cat "$1" | TMPDIR=/nonexistent "$2" count' _ "sp.$k" "$GPIPE"
		[ "$status" -eq 2 ]
		[ "$stderr" = "gpipe: (standard input): cannot make a temporary file in '/nonexistent' for a $k archive: No such file or directory" ]
		run --separate-stderr bash -c 'cat "$1" | "$2" count' _ "sp.$k" "$GPIPE"
		[ "$status" -eq 0 ] && [ "$output" = 50002 ]
	done
}

@test "archives nested more than 5 deep: reported and skipped, exit 2" {
	mkdir d0
	printf 'line\n' > d0/x.log
	name=x.log
	for i in 1 2 3 4 5 6 7; do
		mkdir "d$i"
		cp "d$((i - 1))/$name" "d$i/"
		bsdtar -cf "d$i/t$i.tar" -C "d$i" "$name"
		name=t$i.tar
	done
	run --separate-stderr "$GPIPE" -H 'grep ""' d5/t5.tar
	out_is 0 "d5/t5.tar:t4.tar:t3.tar:t2.tar:t1.tar:x.log:line"
	run --separate-stderr "$GPIPE" -H 'grep ""' d6/t6.tar d5/t5.tar
	[ "$status" -eq 2 ]
	[ "$output" = "d5/t5.tar:t4.tar:t3.tar:t2.tar:t1.tar:x.log:line" ]
	[ "$stderr" = "gpipe: d6/t6.tar:t5.tar:t4.tar:t3.tar:t2.tar:t1.tar: archives nested more than 5 deep, skipped" ]
	run --separate-stderr "$GPIPE" -H 'grep ""' d7/t7.tar
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "gpipe: d7/t7.tar:t6.tar:t5.tar:t4.tar:t3.tar:t2.tar: archives nested more than 5 deep, skipped" ]
}

@test "ISO 9660 is detected on stdin, inside gzip and as a member, as a file is" {
	mkdir -p isod/sub
	printf 'iso ERROR one\nok\n' > isod/a.log
	printf 'deep ERROR two\n' > isod/sub/b.log
	bsdtar -cf x.iso --format iso9660 -C isod .
	want='a.log:iso ERROR one
sub/b.log:deep ERROR two'
	run --separate-stderr "$GPIPE" -H 'grep ERROR' x.iso
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed 's/^/x.iso:/' <<< "$want")" ]
	run --separate-stderr bash -c 'cat x.iso | "$0" -H "grep ERROR"' "$GPIPE"
	out_is 0 "$(sed 's/^/(standard input):/' <<< "$want")"
	gzip -c x.iso > x.iso.gz
	run --separate-stderr bash -c 'gzip -c x.iso | "$0" -H "grep ERROR"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed 's/^/(standard input):/' <<< "$want")" ]
	run --separate-stderr "$GPIPE" --explain count x.iso.gz
	[ "${lines[1]}" = "input    x.iso.gz: read → gzip → iso9660 → (each member detected in turn) → lines" ]
	mkdir t && mv x.iso.gz t/ && cp x.iso t/
	bsdtar -cf iso.tar -C t x.iso x.iso.gz
	run --separate-stderr "$GPIPE" -H 'grep ERROR' iso.tar
	[ "$status" -eq 0 ]
	[ "$output" = "$(sed 's/^/iso.tar:x.iso:/' <<< "$want")
$(sed 's/^/iso.tar:x.iso.gz:/' <<< "$want")" ]
	# Zeros where an image's system area would be are still text.
	{ head -c 40000 /dev/zero; printf '\nafter zeros\n'; } > zeros.log
	run --separate-stderr bash -c 'cat zeros.log | "$0" "grep after"' "$GPIPE"
	[ "$status" -eq 0 ]
	[ "$output" = "after zeros" ]
}

@test "gzip damage under a tar: the gzip fault (with its offset) and the tar's are both reported" {
	python3 -c '
import random
random.seed(9)
for name in ("a.log", "b.log"):
    with open(name, "w") as f:
        for i in range(4000):
            f.write("%s %d %s\n" % (name, i, "".join(random.choice("abcdef") for _ in range(40))))
'
	bsdtar -czf t.tgz a.log b.log
	size=$(stat -c %s t.tgz)
	# The trailer's CRC: every record is delivered, then the gzip fault.
	python3 -c '
import sys
b = bytearray(open("t.tgz", "rb").read())
b[-8] ^= 0xff
open("crc.tgz", "wb").write(b)
b = bytearray(open("t.tgz", "rb").read())
b[-2] ^= 0x01
open("len.tgz", "wb").write(b)
'
	run --separate-stderr "$GPIPE" count crc.tgz
	[ "$status" -eq 2 ]
	[ "$output" = "8000" ]
	[ "$stderr" = "gpipe: crc.tgz: gzip checksum mismatch at byte $size" ]
	run --separate-stderr bash -c 'cat len.tgz | "$0" count' "$GPIPE"
	[ "$status" -eq 2 ]
	[ "$output" = "8000" ]
	[[ $stderr == "gpipe: (standard input): gzip "*" at byte $size" ]]
	# Cut in the middle of the second member: both faults, records before it.
	half=$((size * 3 / 4))
	head -c "$half" t.tgz > cut.tgz
	run --separate-stderr "$GPIPE" -H 'grep ""' cut.tgz
	[ "$status" -eq 2 ]
	[ "$stderr" = "gpipe: cut.tgz: truncated gzip stream after $half bytes
gpipe: cut.tgz:b.log: truncated tar archive in member 'b.log'" ]
	[ "${lines[0]}" = "cut.tgz:a.log:$(head -n 1 a.log)" ]
	[ "${lines[4000]}" = "cut.tgz:b.log:$(head -n 1 b.log)" ]
	n=$(( ${#lines[@]} - 4000 ))
	[ "$n" -gt 0 ] && [ "$n" -lt 4000 ]
	printf '%s\n' "${lines[@]:4000}" | cut -d: -f3- | cmp - <(head -n "$n" b.log)
}
