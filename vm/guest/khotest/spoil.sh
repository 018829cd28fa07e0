#!/bin/sh
# Scenario "spoil": a chain of handovers, each spoilt in one way before the
# kexec, through /sys/kernel/debug/kho/out/spoil (CONFIG_KEXEC_HANDOVER_DEBUG).
#
# khotest.spoil= lists the ways, with commas (e.g. cycle,range-outside).
# Each kernel preserves some memory with /boot/kho_scatter.ko, loads the next
# kernel, spoils the handover in the first way of the list and reboots; the
# next one gets the rest of the list, and in khotest.spoilt= the way its
# handover was spoilt. A refused handover leaves no KHO metadata to count
# stages with, so the command line the previous kernel passed says where
# the chain is. Each successor must boot to here, say once why it refused
# the handover, reserve nothing from it and give subsystems nothing to
# restore. After the last way, a clean handover (khotest.spoilt=none) shows
# that a kernel that refused one still hands over normally.

# The refusal each way must produce, as the successor logs it.
spoil_reason() {
	case "$1" in
	compatible) echo "is compatible with 'kho-v0', not with 'kho-v4'" ;;
	fdt-truncated) echo "is truncated" ;;
	root-zero) echo "preserved-memory-map is 0" ;;
	root-unaligned) echo "radix tree root .*: node not page aligned" ;;
	cycle | shared) echo "radix tree: node reached twice" ;;
	node-outside | node-scratch) echo "radix tree: node outside the memory" ;;
	key-invalid) echo "radix tree: key of no valid order" ;;
	range-outside | range-scratch) echo "radix tree: preserved range outside" ;;
	subtree-outside) echo "sub-FDT 'kexec-metadata' at .* is outside" ;;
	*) echo "no reason known for '$1'" ;;
	esac
}

# has TEXT PATTERN: TEXT matches the basic regular expression PATTERN.
has() { echo "$1" | grep -q -- "$2"; }

spoil_verify() {
	local way=$1 line n
	n=$(dmesg | grep -c "KHO: refusing the handover: ")
	line=$(dmesg | sed -n 's/.*KHO: \(refusing the handover: .*\)/\1/p' | head -n 1)
	check "$way: the successor refused the handover, in one line ($line)" test "$n" = 1
	check "$way: the line names the defect" has "$line" "$(spoil_reason "$way")"
	check "$way: nothing was reserved from it" sh -c '! dmesg | grep -q "KHO: reserved .* preserved pages"'
	check "$way: subsystems find nothing to restore" sh -c \
		'[ ! -e /sys/kernel/debug/kho/in ] && ! insmod /boot/kho_scatter.ko mode=restore 2>/dev/null'
	check "$way: the kernel found no bad page state" sh -c '! dmesg | grep -q "BUG: Bad page"'
	# reserve_mem=1M:4K:khospoil: the region that the refused handover
	# held must not be revived at its old address, which nothing reserved.
	check "$way: reserve_mem 'khospoil' was not revived from it" sh -c \
		'! dmesg | grep -q "Revived memory reservation .khospoil."'
	check "$way: the kernel printed no WARNING" sh -c '! dmesg | grep -q "WARNING:"'
}

# spoil_next WAY REST: preserve, load the next kernel, spoil, reboot. The
# checks that failed so far ride along on the command line, for the verdict.
spoil_next() {
	local way=$1 rest=$2 fails misuse=
	# Before the clean handover, misuse of the API: refused, and nothing
	# preserved, or the successor would refuse the handover (a scratch page).
	[ "$way" = none ] &&
		misuse="misuse_phys=$(($(head -n 1 /sys/kernel/debug/kho/out/scratch_phys) + 4096))"
	# shellcheck disable=SC2086 # $misuse is one word or none
	if ! insmod /boot/kho_scatter.ko mode=preserve scattered=512 contig=512 folios=1 $misuse; then
		not_ok "kho_scatter preserved its units before '$way'"
		finish spoil
		return
	fi
	fails=$(($(param khotest.spoil_fails 0) + KT_FAIL))
	if ! kexec_load /boot/bzImage "$(next_cmdline "khotest.spoilt=$way" \
		"khotest.spoil=$rest" "khotest.spoil_fails=$fails")"; then
		not_ok "kexec -s -l loaded the next kernel before '$way'"
		finish spoil
		return
	fi
	if [ "$way" = none ]; then
		[ -n "$misuse" ] && ok "KHO refused pages and a folio of a scratch area, no pages and pages past memory ($(dmesg | sed -n 's/.*kho_scatter: misuse: //p'))"
		[ -n "$misuse" ] && check "KHO named the caller of each unpreserve of what was not preserved (2 lines)" \
			test "$(dmesg | grep -c 'kho_scatter_misuse+.*: 1 of the 1 pages unpreserved at .* were not preserved')" = 2
		[ -n "$misuse" ] && check "and the refusals printed no WARNING" \
			sh -c '! dmesg | grep -q "WARNING:"'
		say "handing over cleanly"
		return
	fi
	if ! echo "$way" >/sys/kernel/debug/kho/out/spoil; then
		not_ok "$way: the handover was spoilt"
		finish spoil
		return
	fi
	say "spoilt the handover: $way; rebooting into the loaded kernel"
}

scenario_main() {
	local spoilt list way rest
	spoilt=$(param khotest.spoilt "")
	list=$(param khotest.spoil "")
	case "$spoilt" in
	"") ;;
	none)
		check "after the refusals, a clean handover was taken" \
			dmesg_has "KHO: reserved .* preserved pages"
		check "and not refused" sh -c '! dmesg | grep -q "KHO: refusing"'
		check "and its units came back intact" insmod /boot/kho_scatter.ko mode=restore
		check "no kernel of the chain failed a check" test "$(param khotest.spoil_fails 0)" = 0
		finish spoil
		return
		;;
	*) spoil_verify "$spoilt" ;;
	esac
	way=${list%%,*}
	rest=${list#"$way"}
	rest=${rest#,}
	spoil_next "${way:-none}" "$rest"
}
