#!/bin/sh
# Scenario "chain": khotest.kexecs=N handovers in a row (default 5), each
# kernel running the built-in test_kho_e2e (test_kho_e2e.enable=1 on the
# command line, with its other parameters). Every kernel takes back and
# checks the data of every earlier one, hands it over again and adds its
# own generation; the checks below read what each kernel printed and what
# its debugfs shows. The "khotest: ok" lines name what they check:
#   folios and ranges    every unit of every generation came back intact
#   nested sub-FDTs      test_kho_e2e/gen-<i>/extra/note, through debugfs;
#                        stray pointers refused (the kernel's bad= too)
#   unpreserved          what the previous kernel unpreserved did not
#   removed sub-FDT      what the previous kernel removed is gone
#   chain                every earlier generation was found

E2E_IN=/sys/kernel/debug/kho/in

e2e_line() { dmesg | grep "test_kho_e2e: $1" | tail -n 1; }

# The note of generation $1 as debugfs shows it, three levels down.
e2e_note() {
	tr -d '\000' <"$E2E_IN/subtrees/test_kho_e2e/gen-$1/extra/note/blob" 2>/dev/null
}

# Stage $1 took back generations 0 .. $1-1 intact.
chain_took_back() {
	local i=0 line
	while [ "$i" -lt "$1" ]; do
		line=$(e2e_line "generation $i (from .*): took back ")
		case "$line" in
		*" bad=0;"*) ;;
		*) echo "generation $i: ${line:-no line}"; return 1 ;;
		esac
		i=$((i + 1))
	done
}

# debugfs shows every generation's note with what that kernel wrote, and
# none of the stray pointers that the kernel must refuse to follow.
chain_notes() {
	local i=0 note dir
	while [ "$i" -lt "$1" ]; do
		note=$(e2e_note "$i")
		case "$note" in
		"generation $i on "*) ;;
		*) echo "gen-$i/extra/note: '${note}'"; return 1 ;;
		esac
		dir=$E2E_IN/subtrees/test_kho_e2e/gen-$i
		if ls -d "$dir"/stray-* 2>/dev/null; then
			echo "debugfs shows stray pointers"
			return 1
		fi
		i=$((i + 1))
	done
}

chain_unpreserved() {
	local line n
	n=$(param test_kho_e2e.unpreserve 4)
	line=$(e2e_line "generation $(($1 - 1)) (from .*): took back ")
	say "previous kernel's unpreserved units: ${line#*unpreserved: }"
	case "$line" in
	*" bad=0; unpreserved: $n units, 0 pages came back, "*) ;;
	*) return 1 ;;
	esac
}

chain_removed() {
	test ! -e "$E2E_IN/sub_fdts/test_kho_e2e_removed" &&
		test ! -e "$E2E_IN/subtrees/test_kho_e2e_removed"
}

chain_verify() {
	local s=$1
	check "chain: stage $s found the $s earlier generations" \
		dmesg_has "test_kho_e2e: found $s earlier generations"
	check "folios and ranges: every unit of generations 0-$((s - 1)) came back intact" \
		chain_took_back "$s"
	check "nested sub-FDTs: debugfs shows test_kho_e2e/gen-<i>/extra/note of generations 0-$((s - 1)), and no stray pointer" \
		chain_notes "$s"
	check "unpreserved: no page that generation $((s - 1)) unpreserved came back" \
		chain_unpreserved "$s"
	check "removed sub-FDT: test_kho_e2e_removed is gone" chain_removed
	kho_timing
}

scenario_main() {
	local s=$1 n line
	n=$(param khotest.kexecs 5)
	[ "$s" = 0 ] || chain_verify "$s"
	line=$(e2e_line "generation $s on ")
	say "${line#*test_kho_e2e: }"
	case "$line" in
	*"handing over $((s + 1)) generations: 0") ok "stage $s preserved generation $s" ;;
	*) not_ok "stage $s preserved generation $s" ;;
	esac
	if [ "$s" -ge "$n" ] || [ $KT_FAIL -gt 0 ]; then
		finish chain
		return
	fi
	if kexec_load /boot/bzImage "$(next_cmdline)"; then
		say "stage $s done: rebooting into the loaded kernel"
	else
		not_ok "kexec -s -l loaded the next kernel"
		finish chain
	fi
}
