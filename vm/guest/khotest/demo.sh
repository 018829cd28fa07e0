#!/bin/sh
# The handover demo: the first kernel preserves data through KHO, the second
# verifies it.
#
# Preserved: the base's test_kho module (random folios of every order, a
# vmalloc'ed table, checksum in a sub-FDT) and a memblock reserve_mem region
# "khodemo" (reserve_mem= on the command line) filled with random bytes
# whose address, size and sha256 ride on the next kernel's command line.
# The next kernel is /boot/$khotest.next (default bzImage), so the same
# scenario checks handovers between different kernels (stock and patched).

demo_region() {
	local blob=/sys/kernel/debug/kho/$1/sub_fdts/memblock
	start=$(fdt_u64 "$blob" /khodemo start) || return 1
	size=$(fdt_u64 "$blob" /khodemo size) || return 1
}

demo_preserve() {
	local start size sum next

	next=/boot/$(param khotest.next bzImage)
	check "KHO is enabled" test -d /sys/kernel/debug/kho/out
	check "test_kho preserved its data (sub-FDT kho_test)" \
		test -f /sys/kernel/debug/kho/out/sub_fdts/kho_test
	if ! demo_region out; then
		not_ok "reserve_mem 'khodemo' is in KHO's memblock sub-FDT"
		finish demo
		return
	fi
	ok "reserve_mem 'khodemo' is in KHO's memblock sub-FDT"
	mem_fill_random "$start" "$size"
	sum=$(mem_sha256 "$start" "$size")
	say "preserved: test_kho folios + reserve_mem 'khodemo' $((size / 1024)) KiB at $start, sha256 $sum"
	if kexec_load "$next" "$(next_cmdline "khotest.demo=$start,$size,$sum")"; then
		ok "kexec -s -l loaded the next kernel ($next)"
		say "stage 0 done: rebooting into the loaded kernel"
	else
		not_ok "kexec -s -l loaded the next kernel"
		finish demo
	fi
}

demo_verify() {
	local want start size sum

	want=$(param khotest.demo)
	check "the successor found the KHO handover data" dmesg_has "KHO: found kexec handover data"
	check "test_kho restored and verified its folios" dmesg_has "test_kho: KHO restore succeeded"
	check "memblock revived reserve_mem 'khodemo' from KHO" \
		dmesg_has "Revived memory reservation 'khodemo' from KHO"
	if [ -z "$want" ] || ! demo_region in; then
		not_ok "reserve_mem 'khodemo' is in the incoming memblock sub-FDT"
	else
		check "'khodemo' kept its address and size ($start, $((size / 1024)) KiB)" \
			test "$start,$size" = "${want%,*}"
		sum=$(mem_sha256 "$start" "$size")
		check "'khodemo' holds the bytes written before kexec (sha256 $sum)" \
			test "$sum" = "${want##*,}"
	fi
	kho_timing
	finish demo
}

scenario_main() {
	if [ "$1" = 0 ]; then
		demo_preserve
	else
		demo_verify
	fi
}
