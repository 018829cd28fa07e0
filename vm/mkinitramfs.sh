#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test initramfs with the series' tools/testing/selftests/kho/
# mkinitramfs.sh in build/linux, adding this repository's own guest
# scenarios (vm/guest/khotest: bench, scatter, spoil).
#
#   mkinitramfs.sh OUT.cpio KOUT NAME=FILE...
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
[ -x "$TREE/tools/testing/selftests/kho/mkinitramfs.sh" ] ||
	die "initramfs: $TREE/tools/testing/selftests/kho/mkinitramfs.sh is missing (make apply)"
KHO_GUEST_EXTRA=$TOP/vm/guest/khotest exec "$TREE/tools/testing/selftests/kho/mkinitramfs.sh" "$@"
