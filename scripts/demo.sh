#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make demo: set up, build the patched kernel and hand over across a real
# kexec in QEMU (kexec -s -l, then reboot through the kexec hook).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/deps.sh"
"$TOP/scripts/series.sh" apply
"$TOP/scripts/build-kernel.sh" "$TREE" "$KOUT/patched"
img=$KOUT/patched/arch/x86/boot/bzImage
"$TOP/vm/mkinitramfs.sh" "$BUILD/initramfs-patched.cpio" "$KOUT/patched" bzImage="$img"

log=$LOGS/demo-serial.log
"$TOP/vm/run.sh" "$log" "$img" "$BUILD/initramfs-patched.cpio" demo \
	reserve_mem=1M:4K:khodemo

echo
msg "demo: summary (from the serial log)"
sed -n 's/^khotest: \(preserved:\|successor:\|ok -\|not ok -\|RESULT\)/\1/p' "$log.khotest" |
	sed 's/^/    /'
msg "demo: KHO handover verified; full serial log: $log"
