#!/bin/sh
# Scenario "bench": load /boot/kho_bench.ko (bench/kho_bench), which times
# KHO's tracker through the public API, and pass its lines to the host as
# "khotest: bench: ...". No kexec. khotest.bench_args= (commas for spaces)
# goes to insmod, e.g. khotest.bench_args=blocks=16,reps=1.

scenario_main() {
	local args
	args=$(param khotest.bench_args "" | tr ',' ' ')
	# shellcheck disable=SC2086 # word splitting of the module parameters
	check "kho_bench ran (insmod kho_bench.ko $args)" insmod /boot/kho_bench.ko $args
	dmesg | sed -n 's/.*kho_bench: \(.*\)/\1/p' | while read -r line; do
		say "bench: $line"
	done
	check "kho_bench finished every case" dmesg_has "kho_bench: done"
	finish bench
}
