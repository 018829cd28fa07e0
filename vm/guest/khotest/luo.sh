#!/bin/sh
# Scenario "luo": the base's own Live Update Orchestrator selftests
# (tools/testing/selftests/liveupdate, built statically and packed at
# /boot/luo/) across a kexec of this kernel, with liveupdate=on on the
# command line. Stage 0 runs "liveupdate" (no kexec) and stage 1 of each
# two-stage test, whose daemon keeps its sessions open until the kexec;
# the next kernel runs their stage 2, which restores the memfds that LUO
# preserved through KHO and checks their contents. A test that skips
# (exit 4) fails here.

LUO_TESTS="luo_kexec_simple luo_multi_session"

# luo_run TEST [ARGS...]: run a selftest, its output on the console.
luo_run() {
	local t=$1 rc
	shift
	"/boot/$t" "$@" >"/tmp/$t.out" 2>&1
	rc=$?
	sed "s/^/$t: /" "/tmp/$t.out"
	[ "$rc" = 0 ] || { say "$t $*: exit $rc"; return 1; }
}

luo_stage0() {
	local t
	check "liveupdate: the base's LUO ioctl selftests pass" luo_run liveupdate
	for t in $LUO_TESTS; do
		check "$t --stage 1: sessions and memfds preserved" luo_run "$t" --stage 1
	done
	if kexec_load /boot/bzImage "$(next_cmdline)"; then
		say "stage 0 done: rebooting into the loaded kernel"
	else
		not_ok "kexec -s -l loaded the next kernel"
		finish luo
	fi
}

luo_stage1() {
	local t
	for t in $LUO_TESTS; do
		check "$t --stage 2: sessions and memfds restored intact" luo_run "$t" --stage 2
	done
	finish luo
}

scenario_main() {
	if [ "$1" = 0 ]; then
		luo_stage0
	else
		luo_stage1
	fi
}
