#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test initramfs.
#
#   mkinitramfs.sh OUT.cpio KOUT NAME=BZIMAGE...
#
# Contents: static busybox (as /init, busybox init with vm/guest/etc/inittab),
# Debian's kexec-tools and fdtget with their libraries, the guest test scripts
# (vm/guest/khotest), and each kernel image (or other file: a module, a test
# program, executable if its source is) at /boot/NAME. The archive also
# carries a copy of itself at /boot/initrd.cpio, so that the guest can hand the
# same initramfs to the next kernel with `kexec -s -l --initrd=...` (it
# appends a one-file archive holding that copy again; see khotest/lib.sh).
# The list is made with the kernel's usr/gen_init_cpio from KOUT: no root, no
# mknod.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

[ $# -ge 3 ] || die "usage: $0 OUT.cpio KOUT NAME=BZIMAGE..."
out=$1 kout=$2; shift 2
gen=$kout/usr/gen_init_cpio
[ -x "$gen" ] || die "initramfs: $gen is missing (build the kernel first)"
need busybox kexec fdtget ldd
# The guest has no libc for busybox: it must be busybox-static's.
ldd "$(command -v busybox)" >/dev/null 2>&1 &&
	die "initramfs: $(command -v busybox) is dynamically linked; install busybox-static"
guest=$TOP/vm/guest
list=$(mktemp) libs=$(mktemp)
trap 'rm -f "$list" "$libs" "$out.inner"' EXIT

{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	for d in proc sys tmp bin sbin boot etc etc/init.d lib lib64 usr usr/lib usr/lib/khotest; do
		echo "dir /$d 0755 0 0"
	done
	echo "file /bin/busybox $(command -v busybox) 0755 0 0"
	echo "slink /init /bin/busybox 0777 0 0"
	for a in $(busybox --list); do
		[ "$a" = busybox ] || echo "slink /bin/$a busybox 0777 0 0"
	done
	for b in kexec fdtget; do
		echo "file /sbin/$b $(command -v $b) 0755 0 0"
		ldd "$(command -v $b)" | awk '/=> \//{print $3} /^\t\/lib64/{print $1}' >>"$libs"
	done
	sort -u "$libs" | while read -r l; do
		echo "file /lib/$(basename "$l") $(realpath "$l") 0755 0 0"
	done
	echo "slink /lib64/ld-linux-x86-64.so.2 /lib/ld-linux-x86-64.so.2 0777 0 0"
	echo "file /etc/inittab $guest/etc/inittab 0644 0 0"
	for f in "$guest"/etc/init.d/*; do
		echo "file /etc/init.d/$(basename "$f") $f 0755 0 0"
	done
	for f in "$guest"/khotest/*; do
		echo "file /usr/lib/khotest/$(basename "$f") $f 0755 0 0"
	done
	for k in "$@"; do
		[ -f "${k#*=}" ] || die "initramfs: ${k#*=} is missing"
		mode=0644
		[ -x "${k#*=}" ] && mode=0755
		echo "file /boot/${k%%=*} $(realpath "${k#*=}") $mode 0 0"
	done
} >"$list"

"$gen" "$list" >"$out.inner" || die "initramfs: gen_init_cpio failed"
echo "file /boot/initrd.cpio $out.inner 0644 0 0" >>"$list"
"$gen" "$list" >"$out" || die "initramfs: gen_init_cpio failed"
msg "initramfs: $out ($(du -h "$out" | cut -f1))"
