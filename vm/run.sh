#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel with the test initramfs in QEMU and follow the handovers.
#
#   run.sh [-t TIMEOUT] [-m MEM] LOG KERNEL INITRD SCENARIO [CMDLINE...]
#
# The guest runs khotest.scenario=SCENARIO; every kexec happens inside the
# one QEMU process. The run ends when the last kernel reboots for real
# (-no-reboot makes QEMU exit), panics (panic=-1), or TIMEOUT seconds pass.
# "khotest:" lines are shown as they arrive; the whole serial log is LOG.
# The guest also writes its "khotest:" lines to a second serial port, which
# only it writes to; they go, whole and in order, to LOG.khotest, which is
# what the verdicts read (on the console, a kernel message can cut a line).
# LOG.host has the same lines, each prefixed with the host's clock (seconds)
# when it arrived. The kernel prints through earlyprintk from its first
# lines on, so early-boot lines arrive when they are printed: the host clock
# times early boot where the kernel's own clock does not run yet.
# Exit status 0 only if the guest printed "khotest: RESULT SCENARIO PASS".
#
# Accelerator: TCG. KVM only where KHO_ACCEL=kvm, or KHO_ACCEL=auto and a
# short probe boot under KVM reaches the kernel's console (QEMU with KVM
# hangs in firmware on some hosts).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

timeout=600 mem=1G
while getopts 't:m:' o; do
	case $o in
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) die "usage: $0 [-t TIMEOUT] [-m MEM] LOG KERNEL INITRD SCENARIO [CMDLINE...]" ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 4 ] || die "usage: $0 [-t TIMEOUT] [-m MEM] LOG KERNEL INITRD SCENARIO [CMDLINE...]"
log=$1 kernel=$2 initrd=$3 scenario=$4; shift 4
need qemu-system-x86_64 timeout


# Print tcg or kvm.
pick_accel() {
	local probe=$BUILD/accel
	case "${KHO_ACCEL:-tcg}" in
	tcg) echo tcg; return ;;
	kvm) echo kvm; return ;;
	auto) ;;
	*) die "KHO_ACCEL must be tcg, kvm or auto" ;;
	esac
	if [ ! -w /dev/kvm ]; then
		echo tcg
		return
	fi
	if [ ! -s "$probe" ]; then
		if timeout 20 qemu-system-x86_64 -nodefaults -no-reboot -display none \
			-monitor none -serial stdio -accel kvm -m 256M -kernel "$kernel" \
			-append "console=ttyS0 panic=-1 rdinit=/no-such-init" </dev/null 2>/dev/null |
			grep -q -m1 'Linux version'; then
			echo kvm >"$probe"
		else
			echo tcg >"$probe"
		fi
	fi
	cat "$probe"
}

accel=$(pick_accel)
cmdline="earlyprintk=serial,ttyS0,115200 console=ttyS0 panic=-1 kho=on khotest.scenario=$scenario $*"
mkdir -p "$(dirname "$log")"
results=$log.khotest
rm -f "$results"
msg "vm: $scenario on $(basename "$kernel"), $accel, $mem, timeout ${timeout}s (serial log: $log)"
start=$(date +%s.%N)
set +e
timeout "$timeout" qemu-system-x86_64 -nodefaults -no-reboot -display none -monitor none \
	-accel "$accel" -m "$mem" -smp 2 -serial stdio -serial "file:$results" \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" </dev/null 2>&1 |
	perl -MTime::HiRes=time -e 'open(my $h, ">", $ARGV[0]) or die "$ARGV[0]: $!";
		$| = 1; while (<STDIN>) { s/\r//g; printf $h "%.6f %s", time, $_; print }' "$log.host" |
	tee "$log" | sed -u -n 's/^khotest: /    vm: /p'
rc=${PIPESTATUS[0]}
set -e
secs=$(echo "$(date +%s.%N) - $start" | bc)
printf '    vm: QEMU ran %.1f s (host clock)\n' "$secs"
echo "$secs" >"$log.seconds"
touch "$results"
sed -i 's/\r$//' "$results"

if grep -qx "khotest: RESULT $scenario PASS [0-9/]*" "$results"; then
	exit 0
fi
if [ "$rc" = 124 ]; then
	warn "vm: $scenario timed out after ${timeout}s"
elif grep -q 'Kernel panic' "$log"; then
	grep -m1 -A3 'Kernel panic' "$log" | sed 's/^/    | /' >&2
fi
last=$(grep -c 'Linux version' "$log" || true)
stage=$(grep '^khotest: stage' "$results" | tail -n1 | sed 's/^khotest: //' || true)
die "vm: scenario '$scenario' did not pass (kernels booted: $last; last stage: ${stage:-none reached}); serial log: $log"
