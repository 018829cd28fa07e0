#!/bin/sh
# Helpers for the guest side of the KHO tests (busybox ash).
#
# Every line meant for the host starts with "khotest: ". The host reads
#   khotest: stage N ...               progress
#   khotest: ok - <check>              a passed check
#   khotest: not ok - <check>: <why>   a failed check
#   khotest: RESULT <scenario> PASS|FAIL <passed>/<total>
# from the second serial port, /dev/ttyS1, where nothing else writes: on
# the console (ttyS0) the kernel's own messages can land in the middle of
# a line. The console gets a copy, for whoever reads the serial log.

KT_PASS=0
KT_FAIL=0
KT_PORT=/dev/ttyS1

# Raw output (no CR added), and no wait for a carrier that QEMU's file
# backend never raises.
if [ -c "$KT_PORT" ]; then
	stty -F "$KT_PORT" raw -echo clocal 2>/dev/null
fi

say() {
	echo "khotest: $*"
	if [ -c "$KT_PORT" ]; then
		echo "khotest: $*" >"$KT_PORT"
	fi
}

ok() { KT_PASS=$((KT_PASS + 1)); say "ok - $*"; }

not_ok() { KT_FAIL=$((KT_FAIL + 1)); say "not ok - $*"; }

# check DESCRIPTION COMMAND...: run COMMAND, report the check.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# param NAME [DEFAULT]: value of NAME= on the kernel command line.
param() {
	local p
	for p in $(cat /proc/cmdline); do
		case "$p" in "$1="*) echo "${p#*=}"; return ;; esac
	done
	echo "${2:-}"
}

# The handover count, from state the previous kernel preserved: KHO's
# kexec-metadata ("KHO: exec from: <release> (count N)"), 0 on a cold boot.
kho_stage() {
	local n
	n=$(dmesg | sed -n 's/.*KHO: exec from: .* (count \([0-9]*\)).*/\1/p' | tail -n 1)
	echo "${n:-0}"
}

dmesg_has() { dmesg | grep -q -- "$1"; }

# le64 HEXBYTES...: the little-endian u64 that fdtget -t bx printed.
le64() {
	local v=0 i=0 b
	for b in "$@"; do
		v=$((v | (0x$b << (8 * i))))
		i=$((i + 1))
	done
	printf '0x%x\n' "$v"
}

# fdt_u64 BLOB NODE PROP: a u64 property stored in CPU byte order (as KHO's
# users store phys_addr_t), or nothing.
fdt_u64() {
	local bytes
	bytes=$(fdtget -t bx "$1" "$2" "$3" 2>/dev/null) || return 1
	le64 $bytes
}

# mem_sha256 ADDR SIZE: sha256 of physical memory, page granular.
mem_sha256() {
	dd if=/dev/mem bs=4096 skip=$(($1 / 4096)) count=$(($2 / 4096)) 2>/dev/null |
		sha256sum | cut -d' ' -f1
}

# mem_fill_random ADDR SIZE
mem_fill_random() {
	dd if=/dev/urandom of=/dev/mem bs=4096 seek=$(($1 / 4096)) count=$(($2 / 4096)) \
		conv=notrunc 2>/dev/null
}

# next_cmdline PARAM=VALUE...: this kernel's command line with every
# khotest.* parameter named in the arguments replaced.
next_cmdline() {
	local p a keep out=
	for p in $(cat /proc/cmdline); do
		keep=1
		for a in "$@"; do
			[ "${p%%=*}" = "${a%%=*}" ] && keep=0
		done
		[ $keep = 1 ] && out="$out $p"
	done
	echo "${out# } $*"
}

# kexec_load KERNEL CMDLINE: load KERNEL for the next boot with the same
# initramfs, the way a distribution does (kexec -s -l). The initramfs carries
# a copy of itself at /boot/initrd.cpio; the next one is that copy plus a
# one-file archive holding the copy again.
kexec_load() {
	(cd / && echo boot/initrd.cpio | cpio -o -H newc >/tmp/self.cpio 2>/dev/null) || return 1
	cat /boot/initrd.cpio /tmp/self.cpio >/tmp/next.cpio || return 1
	rm -f /tmp/self.cpio
	kexec -s -l "$1" --initrd=/tmp/next.cpio --append="$2"
}

# Successor KHO timing: the kernel's own summary line where it prints one,
# and the timestamp of the "Memory:" line (when the buddy allocator took
# over, right after KHO reserved the preserved memory).
kho_timing() {
	local line t
	line=$(dmesg | grep 'KHO: reserved .* preserved pages' | tail -n 1)
	[ -n "$line" ] && say "successor: ${line#*KHO: }"
	t=$(dmesg | sed -n 's/^\[ *\([0-9.]*\)\] Memory: .*/\1/p' | head -n 1)
	[ -n "$t" ] && say "successor: \"Memory:\" line at ${t} s"
}

# finish SCENARIO: print the verdict and end the run.
finish() {
	local total=$((KT_PASS + KT_FAIL)) verdict=PASS
	[ $KT_FAIL -eq 0 ] || verdict=FAIL
	say "RESULT $1 $verdict $KT_PASS/$total"
}
