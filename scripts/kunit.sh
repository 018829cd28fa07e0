#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the KHO radix tree's KUnit suite in QEMU through the kernel's own
# runner, as a developer would:
#
#   tools/testing/kunit/kunit.py run --arch=x86_64 \
#       --kunitconfig=kernel/liveupdate --qemu_args="-smp 2"
#
# on build/linux, building in build/kunit with ccache (make kunit).
#
#   kunit.sh --exec KOUT
#
# runs the suite with kunit.py exec in a kernel already built in KOUT
# instead, one whose configuration has it built in (make check runs it in
# the debug kernel, where configs/kho-kunit.config puts it, and saves a
# kernel build).
#
#   kunit.sh --sanitize kasan|kcsan
#
# runs it as kunit.py run does, on a kernel that also has
# configs/kunit-KIND.config (KASAN with lockdep's proofs and
# DEBUG_ATOMIC_SLEEP, or KCSAN_STRICT), built in build/kunit-KIND
# (make kunit-sanitize runs both). QEMU uses TCG (see scripts/qemu-tcg/) unless
# KHO_ACCEL=auto. The parsed results go to stdout, the raw serial output
# to the build directory's test.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need python3 qemu-system-x86_64 ccache
[ -d "$TREE/.git" ] || die "kunit: no $TREE; run 'make apply' first"

out=$BUILD/kunit exec= extra=()
usage="usage: $0 [--exec KOUT | --sanitize kasan|kcsan]"
case "${1:-}" in
--exec)
	exec=1 out=$(realpath "${2:?$usage}")
	grep -qx 'CONFIG_KHO_RADIX_KUNIT_TEST=y' "$out/.config" ||
		die "kunit: $out has no built-in KHO_RADIX_KUNIT_TEST"
	;;
--sanitize)
	[ -f "$TOP/configs/kunit-${2:-}.config" ] || die "$usage"
	out=$BUILD/kunit-$2
	extra=(--kunitconfig="$TOP/configs/kunit-$2.config")
	;;
"") ;;
*) die "$usage" ;;
esac
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
[ "${KHO_ACCEL:-tcg}" = auto ] || export PATH="$TOP/scripts/qemu-tcg:$PATH"

msg "kunit: kho_radix suite (${exec:+kernel in }build: $out, raw log: $out/test.log)"
cd "$TREE"
# Debian's python3, whatever else is first in PATH: kunit.py needs only the
# standard library, but keep one interpreter for every script of the tree.
if [ -n "$exec" ]; then
	/usr/bin/python3 tools/testing/kunit/kunit.py exec --arch=x86_64 \
		--build_dir="$out" --qemu_args="-smp 2" --timeout 900 'kho_radix*'
else
	/usr/bin/python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
		--kunitconfig=kernel/liveupdate "${extra[@]}" --build_dir="$out" \
		--make_options CC="ccache gcc" --jobs "$JOBS" \
		--qemu_args="-smp 2" --timeout 900
fi
# KUnit's verdicts do not cover what the kernel printed around them: a
# WARN, a BUG, a sanitizer report or a deprecation warning in the raw log
# fails the run as well.
if grep -nE '(WARNING|BUG):|KASAN|UBSAN|KCSAN|deprecated workqueue' "$out/test.log"; then
	die "kunit: the kernel reported the above (raw log: $out/test.log)"
fi
msg "kunit: no WARNING, BUG or sanitizer report in $out/test.log"
