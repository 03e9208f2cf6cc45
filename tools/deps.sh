#!/bin/sh
# Installs gpipe's build and test dependencies on Debian when they are
# missing: with apt-get as root, otherwise by telling the user what to run.
set -u
# build: compiler, pkg-config, the libraries; tests: bats, valgrind, python3
# (seeded test data, the same whichever awk is installed), datamash and
# Miller (the aggregates are checked against them), and the tools that make
# compressed and archived fixtures; GNU parallel and Dask run --partial and
# --merge for real (partial.bats; Dask's two packages are 3 MB, 16 MB
# installed, 20 s).
pkgs="gcc make pkg-config libpcre2-dev zlib1g-dev libarchive-dev libisal-dev liblzma-dev libbz2-dev libzstd-dev liblz4-dev
bats valgrind grep coreutils jq mawk sed python3 datamash miller gzip bzip2 xz-utils zstd lz4 libarchive-tools binutils zip
parallel python3-dask python3-distributed"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
	echo "gpipe: missing packages:$missing (install them with your package manager)" >&2
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "gpipe: missing packages:$missing" >&2
	echo "gpipe: run: sudo apt-get install$missing" >&2
	exit 1
fi
echo "gpipe: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
