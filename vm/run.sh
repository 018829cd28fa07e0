#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel with the test initramfs in QEMU and follow the handovers:
# the series' tools/testing/selftests/kho/vm.sh in build/linux, which every
# scenario (stock kernels too) boots through.
#
#   run.sh [-t TIMEOUT] [-m MEM] LOG KERNEL INITRD SCENARIO [CMDLINE...]
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
[ -x "$TREE/tools/testing/selftests/kho/vm.sh" ] ||
	die "vm: $TREE/tools/testing/selftests/kho/vm.sh is missing (make apply)"
exec "$TREE/tools/testing/selftests/kho/vm.sh" "$@"
