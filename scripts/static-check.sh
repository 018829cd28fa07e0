#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Static checks of the kernel sources the series touches (make check).
#
#   static-check.sh kernel-doc
#       scripts/kernel-doc -none -Wall on every kernel .c and .h file the
#       series touches: it must print nothing.
#   static-check.sh build OUT [MAKE_ARG...]
#       in OUT, a build directory that build-kernel.sh (or kunit.py, with
#       ARCH=x86_64) has built, recompile with W=1 and sparse (C=2) the
#       objects of the touched .c files that OUT's configuration builds:
#       no warning and no error. The files checked are added to
#       OUT/static-checked.
#   static-check.sh covered OUT...
#       every touched .c file was checked in one of the build directories.
#   static-check.sh docs
#       build Documentation/core-api/kho and admin-guide/mm with Sphinx: no
#       warning about the KHO documents or the kernel-doc they pull in,
#       except references from one of the two to the other, which only a
#       full htmldocs resolves.
#   static-check.sh sparse
#       print the sparse that the build checks use.
#   static-check.sh built-in OUT OBJ
#       exit 0 if OUT's configuration builds OBJ into the kernel.
#
# Debian 12's sparse (0.6.4) cannot check 7.2: scripts/checker-valid.sh
# needs __typeof_unqual__, so the kernel turns C= off with a warning.
# Debian's next sparse (0.6.5~rc1, in sid) can; its source package is
# fetched from the Debian mirror, checked against the pin below, and built
# once into the cache. A sparse in PATH that passes checker-valid.sh is
# used as it is.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SPARSE_ORIG=sparse_0.6.5~rc1.orig.tar.gz
SPARSE_SHA256=3ac8855ec7f3ab92f325be0f64347ccc2b10f8b4d7c2906783ee8e2bdab3f0de
SPARSE_URL=$BASE_MIRROR/pool/main/s/sparse/$SPARSE_ORIG

# The kernel .c and .h files the series touches (not tools/).
touched() {
	git -C "$TREE" diff --name-only base..series -- "$@" | grep -v '^tools/'
}

ensure_sparse() {
	local dir=$CACHE/sparse-0.6.5~rc1 tarball=$CACHE/$SPARSE_ORIG

	if command -v sparse >/dev/null &&
	   [ "$(sh "$TREE/scripts/checker-valid.sh" sparse)" = 1 ]; then
		command -v sparse
		return
	fi
	if [ ! -x "$dir/sparse" ]; then
		msg "sparse: building Debian's $SPARSE_ORIG (the system's cannot check 7.2)" >&2
		if ! echo "$SPARSE_SHA256  $tarball" | sha256sum -c --status 2>/dev/null; then
			curl -fsSL -o "$tarball.part" "$SPARSE_URL" ||
				die "sparse: cannot fetch $SPARSE_URL; update the pin in $0"
			echo "$SPARSE_SHA256  $tarball.part" | sha256sum -c --status ||
				die "sparse: $SPARSE_URL does not match its pinned checksum"
			mv "$tarball.part" "$tarball"
		fi
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -xzf "$tarball" -C "$dir" --strip-components=1
		run_logged "$dir/build.log" make -C "$dir" -j"$JOBS" sparse
	fi
	[ "$(sh "$TREE/scripts/checker-valid.sh" "$dir/sparse")" = 1 ] ||
		die "sparse: $dir/sparse does not pass scripts/checker-valid.sh"
	echo "$dir/sparse"
}

check_kernel_doc() {
	local files out

	mapfile -t files < <(touched '*.c' '*.h')
	[ ${#files[@]} -gt 0 ] || die "kernel-doc: no touched files"
	out=$(cd "$TREE" && scripts/kernel-doc -none -Wall "${files[@]}" 2>&1)
	printf '%s\n' "${files[@]}" | sed 's/^/kernel-doc -none -Wall: /'
	[ -z "$out" ] || { echo "$out"; return 1; }
	echo "${#files[@]} files, no warnings"
}

# built_in OUT OBJ: OUT's configuration builds OBJ into the kernel (an
# object file left over from another configuration is not enough). The
# listing is read whole: with pipefail, `ar t | grep -q` fails whenever
# grep stops before ar has written all of a long listing (SIGPIPE).
built_in() {
	local a members

	for a in "$1/$(dirname "$2")/built-in.a" "$1/$(dirname "$2")/lib.a"; do
		[ -f "$a" ] || continue
		members=$(ar t "$a") || continue
		grep -q -e "/$2\$" -e "^$2\$" <<<"$members" && return 0
	done
	return 1
}

check_build() {
	local out sparse src objs=() srcs=() log rc=0

	out=$(realpath "$1")
	shift
	[ -f "$out/.config" ] || die "static: $out is not a build directory"
	sparse=$(ensure_sparse)
	while read -r src; do
		built_in "$out" "${src%.c}.o" || continue
		objs+=("${src%.c}.o")
		srcs+=("$src")
	done < <(touched '*.c')
	[ ${#objs[@]} -gt 0 ] || { echo "no touched file is built in $out"; return 1; }
	log=$out/static-check.log
	echo "W=1, sparse ($sparse) in $out: ${srcs[*]}"
	# The release suffix build-kernel.sh gave the build, or every object
	# that includes it would be rebuilt.
	make -C "$TREE" O="$out" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc" \
		LOCALVERSION="-$(basename "$out")" "$@" W=1 C=2 CHECK="$sparse" \
		"${objs[@]}" >"$log" 2>&1 || rc=1
	grep -n -E 'warning:|error:' "$log" && rc=1
	grep -c '^  CHECK ' "$log" | sed 's/^/files sparse checked: /'
	[ $rc = 0 ] || { echo "see $log"; return 1; }
	printf '%s\n' "${srcs[@]}" >>"$out/static-checked"
}

check_covered() {
	local src missing=0 d

	while read -r src; do
		for d in "$@"; do
			grep -qxF "$src" "$d/static-checked" 2>/dev/null && continue 2
		done
		echo "not checked with W=1 and sparse in any build: $src"
		missing=1
	done < <(touched '*.c')
	[ $missing = 0 ] && echo "every touched .c file was checked"
}

check_docs() {
	local out=$BUILD/docs log bad

	need sphinx-build
	log=$LOGS/htmldocs-kho.log
	rm -rf "$out"
	make -C "$TREE" O="$out" SPHINXDIRS="core-api/kho admin-guide/mm" \
		htmldocs >"$log" 2>&1 || { tail -n 20 "$log"; return 1; }
	bad=$(grep -E 'WARNING|ERROR' "$log" |
		grep -E 'core-api/kho/|admin-guide/mm/kho\.rst|include/linux/|kernel/liveupdate/|mm/memblock\.c' |
		grep -v -E "unknown document: '/(core-api/kho|admin-guide/mm/kho)|undefined label: 'kho-concepts'" || true)
	ls "$out/Documentation/output/core-api/kho/radix.html" \
		"$out/Documentation/output/admin-guide/mm/kho.html"
	[ -z "$bad" ] || { echo "$bad"; return 1; }
	echo "no warnings in the KHO documentation (log: $log)"
}

case ${1:-} in
built-in)	shift; built_in "$@" ;;
kernel-doc)	check_kernel_doc ;;
build)		shift; check_build "$@" ;;
covered)	shift; check_covered "$@" ;;
docs)		check_docs ;;
sparse)		ensure_sparse ;;
*)		die "usage: $0 kernel-doc | build OUT [MAKE_ARG...] | covered OUT... | docs | sparse | built-in OUT OBJ" ;;
esac
