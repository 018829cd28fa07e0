#!/bin/sh
# Scenario "scatter": many separate preservations across one kexec.
#
# Stage 0 loads /boot/kho_scatter.ko (tests/kho_scatter) with mode=preserve
# and khotest.scatter= (commas for spaces, e.g. scattered=65536,folios=1),
# then kexecs into /boot/bzImage. Stage 1 checks the successor's KHO line,
# loads the module with mode=restore (plus khotest.scatter_restore=, e.g.
# verify=0), which restores every unit on its own and checks its bytes, and
# checks that the kernel found nothing wrong with the pages it got back.

scatter_preserve() {
	local args
	args=$(param khotest.scatter "" | tr ',' ' ')
	# shellcheck disable=SC2086 # word splitting of the module parameters
	if ! insmod /boot/kho_scatter.ko mode=preserve $args; then
		not_ok "kho_scatter preserved its units ($args)"
		finish scatter
		return
	fi
	ok "kho_scatter preserved its units ($args)"
	say "preserved: $(dmesg | sed -n 's/.*kho_scatter: preserved //p' | tail -n 1)"
	# The host times the load from these two lines (bench-boot.sh).
	say "kexec: loading"
	if kexec_load /boot/bzImage "$(next_cmdline)"; then
		say "kexec: loaded"
		ok "kexec -s -l loaded the next kernel"
		say "stage 0 done: rebooting into the loaded kernel"
	else
		not_ok "kexec -s -l loaded the next kernel"
		finish scatter
	fi
}

scatter_verify() {
	local args line
	args=$(param khotest.scatter_restore "" | tr ',' ' ')
	check "the successor found the KHO handover data" dmesg_has "KHO: found kexec handover data"
	kho_timing
	# shellcheck disable=SC2086 # word splitting of the module parameters
	check "every unit came back on its own, intact (insmod kho_scatter.ko mode=restore $args)" \
		insmod /boot/kho_scatter.ko mode=restore $args
	line=$(dmesg | sed -n 's/.*kho_scatter: restored //p' | tail -n 1)
	say "restored: $line"
	check "no unit is missing or bad" test "${line#*bad=0 }" != "$line"
	check "the kernel found no bad page state" sh -c '! dmesg | grep -q "BUG: Bad page"'
	finish scatter
}

scenario_main() {
	if [ "$1" = 0 ]; then
		scatter_preserve
	else
		scatter_verify
	fi
}
