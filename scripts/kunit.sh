#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run the KHO radix tree's KUnit suite in QEMU through the kernel's own
# runner, as a developer would:
#
#   tools/testing/kunit/kunit.py run --arch=x86_64 \
#       --kunitconfig=kernel/liveupdate --qemu_args="-smp 2"
#
# on build/linux, building in build/kunit with ccache. QEMU uses TCG (see
# scripts/qemu-tcg/) unless KHO_ACCEL=auto. The parsed results go to stdout,
# the raw serial output to build/kunit/test.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need python3 qemu-system-x86_64 ccache
[ -d "$TREE/.git" ] || die "kunit: no $TREE; run 'make apply' first"

out=$BUILD/kunit
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1
[ "${KHO_ACCEL:-tcg}" = auto ] || export PATH="$TOP/scripts/qemu-tcg:$PATH"

msg "kunit: kho_radix suite (build: $out, raw log: $out/test.log)"
cd "$TREE"
# Debian's python3, whatever else is first in PATH: kunit.py needs only the
# standard library, but keep one interpreter for every script of the tree.
/usr/bin/python3 tools/testing/kunit/kunit.py run --arch=x86_64 \
	--kunitconfig=kernel/liveupdate --build_dir="$out" \
	--make_options CC="ccache gcc" --jobs "$JOBS" \
	--qemu_args="-smp 2" --timeout 900
