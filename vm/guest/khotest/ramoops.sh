#!/bin/sh
# Scenario "ramoops": pstore's ramoops on a reserve_mem region that KHO
# hands over. The command line has reserve_mem=...:khooops and
# ramoops.mem_name=khooops. Stage 0 writes a random line to /dev/pmsg0; the
# next kernel must revive the region at the same address, and ramoops must
# show that line as the previous kernel's pmsg record.

PSTORE=/sys/fs/pstore

ramoops_region() {
	local blob=/sys/kernel/debug/kho/$1/sub_fdts/memblock
	start=$(fdt_u64 "$blob" /khooops start) || return 1
	size=$(fdt_u64 "$blob" /khooops size) || return 1
}

pstore_mount() {
	mkdir -p "$PSTORE" && mount -t pstore pstore "$PSTORE"
}

ramoops_write() {
	local start size token
	check "ramoops registered on reserve_mem 'khooops'" dmesg_has "pstore: Registered ramoops"
	if ! ramoops_region out; then
		not_ok "reserve_mem 'khooops' is in KHO's memblock sub-FDT"
		finish ramoops
		return
	fi
	ok "reserve_mem 'khooops' is in KHO's memblock sub-FDT"
	token="khotest-pmsg-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
	check "wrote a pmsg record ($token)" sh -c "echo '$token' >/dev/pmsg0"
	say "preserved: reserve_mem 'khooops' at $start, holding pmsg record $token"
	if kexec_load /boot/bzImage "$(next_cmdline "khotest.ramoops=$start,$token")"; then
		say "stage 0 done: rebooting into the loaded kernel"
	else
		not_ok "kexec -s -l loaded the next kernel"
		finish ramoops
	fi
}

ramoops_read() {
	local want start size
	want=$(param khotest.ramoops)
	check "memblock revived reserve_mem 'khooops' from KHO" \
		dmesg_has "Revived memory reservation 'khooops' from KHO"
	if ramoops_region in; then
		check "'khooops' kept its address ($start)" test "$start" = "${want%,*}"
	else
		not_ok "reserve_mem 'khooops' is in the incoming memblock sub-FDT"
	fi
	check "ramoops registered on the revived region" dmesg_has "pstore: Registered ramoops"
	check "pstore mounted" pstore_mount
	say "pstore: $(ls "$PSTORE" | tr '\n' ' ')"
	check "pstore shows the previous kernel's pmsg record (${want#*,})" \
		grep -qx "${want#*,}" "$PSTORE/pmsg-ramoops-0"
	finish ramoops
}

scenario_main() {
	if [ "$1" = 0 ]; then
		ramoops_write
	else
		ramoops_read
	fi
}
