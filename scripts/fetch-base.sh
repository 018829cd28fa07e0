#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch the pinned base (base.conf) and verify it.
#
# The machine's apt sources stay untouched: a private apt configuration under
# $CACHE/apt reads the Debian suites that carry $BASE_PACKAGE. The .deb and
# the verified tarball are cached. LINUX_TARBALL=/path/to/$BASE_TARBALL
# uses a local tarball instead of the mirror (its checksum must match the pin
# unless BASE_ALLOW_UNPINNED=1).
#
# Prints nothing on stdout but the path of the verified tarball.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
exec 3>&1 1>&2

APTDIR=$CACHE/apt
OUT=$CACHE/$BASE_TARBALL
STAMP=$OUT.sha256

# Every apt call reads only the private configuration under $APTDIR.
APT_OPTS=(
	-o Dir::Etc::SourceList="$APTDIR/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o Dir::Etc::Preferences=/dev/null
	-o Dir::Etc::PreferencesParts=/dev/null
	-o Dir::State::Lists="$APTDIR/lists"
	-o Dir::State::Status="$APTDIR/status"
	-o Dir::Cache="$APTDIR/cache"
	-o APT::Architecture=amd64
)
apt_private() {
	apt-get -q "${APT_OPTS[@]}" -o Acquire::Languages=none -o APT::Sandbox::User=root "$@"
}
apt_cache_private() { apt-cache "${APT_OPTS[@]}" "$@"; }

# Download the .deb of the pinned version (or the newest $BASE_SERIES.x, loudly) and
# set $tarball to the path of the tarball inside it.
fetch_deb() {
	local s versions version deb

	mkdir -p "$APTDIR"/{lists/partial,cache/archives/partial} "$CACHE/deb"
	: >"$APTDIR/status"
	for s in $BASE_SUITES; do
		echo "deb $BASE_MIRROR $s main"
	done >"$APTDIR/sources.list"

	msg "fetch: reading $BASE_SUITES from $BASE_MIRROR (private apt config)"
	run_logged "$LOGS/fetch-apt-update.log" apt_private update

	versions=$(apt_cache_private madison "$BASE_PACKAGE" | awk -F'|' '{gsub(/ /,"",$2); print $2}')
	[ -n "$versions" ] || die "fetch: $BASE_PACKAGE is in none of $BASE_SUITES"
	if grep -qxF "$BASE_VERSION" <<<"$versions"; then
		version=$BASE_VERSION
	else
		version=$(sort -V <<<"$versions" | grep "^${BASE_SERIES//./\\.}\\." | tail -n 1)
		[ -n "$version" ] || die "fetch: no $BASE_SERIES.x version of $BASE_PACKAGE on the mirror"
		cat >&2 <<-EOM

		!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
		!! The pinned base $BASE_PACKAGE $BASE_VERSION is gone from the mirror.
		!! Using the newest available instead: $version
		!! Its checksum is not pinned; the series is still checked to apply.
		!! Update base.conf once the series is verified on it.
		!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!

		EOM
	fi

	deb=$CACHE/deb/${BASE_PACKAGE}_${version}_all.deb
	if [ ! -s "$deb" ]; then
		msg "fetch: downloading $BASE_PACKAGE $version (~160 MB)"
		(cd "$CACHE/deb" && run_logged "$LOGS/fetch-download.log" \
			apt_private download "$BASE_PACKAGE=$version")
		# apt names the file with an epoch-escaped version; normalise.
		mv -f "$CACHE/deb/${BASE_PACKAGE}_"*"${version#*:}_all.deb" "$deb" 2>/dev/null || true
		[ -s "$deb" ] || die "fetch: download of $BASE_PACKAGE $version failed; log: $LOGS/fetch-download.log"
	fi
	echo "$version" >"$CACHE/$BASE_TARBALL.version"

	mkdir -p "$CACHE/deb/x"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$CACHE/deb/x" "./usr/src/$BASE_TARBALL" ||
		die "fetch: $deb does not contain usr/src/$BASE_TARBALL"
	tarball=$CACHE/deb/x/usr/src/$BASE_TARBALL
}

mkdir -p "$CACHE" "$LOGS"

if [ -n "${LINUX_TARBALL:-}" ]; then
	[ -r "$LINUX_TARBALL" ] || die "fetch: LINUX_TARBALL=$LINUX_TARBALL is not readable"
	tarball=$LINUX_TARBALL
	echo "local" >"$CACHE/$BASE_TARBALL.version"
	msg "fetch: using local tarball $tarball"
elif [ -s "$STAMP" ] && [ -s "$OUT" ]; then
	msg "fetch: cached base $(cat "$CACHE/$BASE_TARBALL.version" 2>/dev/null) ($OUT)"
	echo "$OUT" >&3
	exit 0
else
	fetch_deb
fi

sum=$(sha256sum "$tarball" | cut -d' ' -f1)
used=$(cat "$CACHE/$BASE_TARBALL.version")
if [ "$sum" != "$BASE_SHA256" ]; then
	case "$used" in
	"$BASE_VERSION")
		die "fetch: checksum mismatch for $tarball: sha256 $sum, pinned $BASE_SHA256 (base.conf)" ;;
	local)
		[ "${BASE_ALLOW_UNPINNED:-0}" = 1 ] ||
			die "fetch: $tarball has sha256 $sum, not the pinned $BASE_SHA256 (set BASE_ALLOW_UNPINNED=1 to use it anyway)"
		warn "fetch: using an unpinned local tarball (sha256 $sum)" ;;
	*)
		warn "fetch: $BASE_PACKAGE $used is not the pinned base (sha256 $sum)" ;;
	esac
fi
msg "fetch: sha256 $sum ok"

if [ "$used" = local ]; then
	echo "$tarball" >&3
	exit 0
fi
mv -f "$tarball" "$OUT"
rm -rf "$CACHE/deb/x"
echo "$sum" >"$STAMP"
echo "$OUT" >&3
