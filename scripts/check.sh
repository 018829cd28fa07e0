#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make check: set up, then run every test scenario, counting each one.
# The last line is "N passed, N failed" (", N skipped" when something was
# skipped). Per-scenario logs are in build/logs/check-*.log.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

PASSED=0 FAILED=0 SKIPPED=0
FAILURES=()

# scenario NAME CMD...: run one counted scenario, output in its own log.
scenario() {
	local name=$1 log=$LOGS/check-$1.log t0
	shift
	t0=$(date +%s)
	printf '==> %-44s ' "$name"
	if "$@" >"$log" 2>&1; then
		PASSED=$((PASSED + 1))
		printf 'PASS  (%ds)\n' $(($(date +%s) - t0))
		return 0
	else
		FAILED=$((FAILED + 1))
		FAILURES+=("$name: see $log")
		printf 'FAIL  (%ds)\n' $(($(date +%s) - t0))
		tail -n 8 "$log" | sed 's/^/    | /'
		return 1
	fi
}

# A scenario that could not run because what it needs failed counts as failed.
blocked() {
	FAILED=$((FAILED + 1))
	FAILURES+=("$1: not run, $2 failed")
	printf '==> %-44s FAIL  (not run: %s failed)\n' "$1" "$2"
}

# checkpatch_one PATCH: --strict, 0 errors and 0 warnings (a missing
# Signed-off-by: is an error). Two warnings are answered here instead of by
# checkpatch: UNKNOWN_COMMIT_ID, as build/linux has no upstream history in
# which to find the commit a Fixes: tag names (its id comes from upstream's
# history), and FILE_PATH_CHANGES, "does MAINTAINERS need updating?", which
# checkpatch asks of every patch that adds a file without touching
# MAINTAINERS: every file the patch adds must be in an entry of MAINTAINERS
# already, other than THE REST (scripts/get_maintainer.pl says which).
checkpatch_one() {
	local out f entries bad=0
	# Debian's python3 first: checkpatch runs spdxcheck.py (python3-ply).
	out=$(cd "$TREE" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl --strict --showfile \
		--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES "$1" 2>&1)
	echo "$out"
	echo "$out" | grep -Eq '^total: 0 errors, 0 warnings,' || return 1
	for f in $(awk '/^diff --git / { f = substr($4, 3) } /^new file mode/ { print f }' "$1"); do
		entries=$(cd "$TREE" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-email --no-l --subsystem -f "$f" | grep -vx 'THE REST' | paste -sd, -)
		if [ -n "$entries" ]; then
			echo "new file $f: in MAINTAINERS ($entries)"
		else
			echo "new file $f: in no entry of MAINTAINERS"
			bad=1
		fi
	done
	return $bad
}

# The cover letter is filled in and announces as many patches as there are.
cover_letter() {
	local c=$PATCHES/0000-cover-letter.patch n
	n=$(series_files | wc -l)
	[ -f "$c" ] || { echo "no $c"; return 1; }
	grep -n '\*\*\* \(SUBJECT\|BLURB\) HERE \*\*\*' "$c" && { echo "placeholders left"; return 1; }
	grep -q "^Subject: \[PATCH 0*0/$n\] " "$c" || { echo "cover letter is not [PATCH 0/$n]"; return 1; }
	echo "cover letter: $(sed -n 's/^Subject: //p' "$c")"
}

build_patched() {
	"$TOP/scripts/build-kernel.sh" "$TREE" "$KOUT/patched"
}

# The series' end-to-end kexec tests (tools/testing/selftests/kho): one
# scenario of kexec_test.sh on kernel K (the patched kernel, or the debug
# kernel where the scenario needs test_kho_e2e), its KTAP output in the
# scenario's log and its serial logs in $SELFTEST_LOGS.
KHO_SELFTESTS=$TREE/tools/testing/selftests/kho
SELFTEST_LOGS=$LOGS/selftests-kho

kho_selftest() {
	"$KHO_SELFTESTS/kexec_test.sh" -k "$KOUT/$1" -l "$SELFTEST_LOGS" "$2"
}

# The chain (kexec_test.sh chain): five kexecs in a row, every kernel
# checking the data of all the earlier ones with the built-in test_kho_e2e.
# Each kind of check it makes is then counted on its own: every handover of
# the chain must have passed it.
CHAIN_KEXECS=5
CHAIN_RESULTS=$SELFTEST_LOGS/chain-serial.log.khotest
CHAIN_CHECKS="folios-and-ranges:folios and ranges
nested-sub-fdts:nested sub-FDTs
unpreserved:unpreserved
removed-sub-fdt:removed sub-FDT
frozen-at-kexec:frozen at kexec"

e2e_chain() {
	kho_selftest patched-debug chain || return 1
	grep -q "^khotest: ok - chain: stage $CHAIN_KEXECS found the $CHAIN_KEXECS earlier generations" \
		"$CHAIN_RESULTS" || { echo "the last kernel did not find every generation"; return 1; }
}

# chain_check WHAT: every handover of the chain passed the check WHAT.
chain_check() {
	local n
	grep "^khotest: \(not \)\?ok - $1: " "$CHAIN_RESULTS"
	grep -q "^khotest: not ok - $1: " "$CHAIN_RESULTS" && { echo "a check failed; see $CHAIN_RESULTS"; return 1; }
	n=$(grep -c "^khotest: ok - $1: " "$CHAIN_RESULTS")
	[ "$n" = $CHAIN_KEXECS ] || { echo "$n of $CHAIN_KEXECS handovers passed; see $CHAIN_RESULTS"; return 1; }
}

build_stock() {
	"$TOP/scripts/series.sh" stock &&
	"$TOP/scripts/build-kernel.sh" "$STOCK_TREE" "$KOUT/stock"
}

# The previous stock release (stock-7.2.conf), extracted from its Debian
# tarball into build/stock-7.2 and built with the same fragment: the kernel
# that cross-version handovers come from and go back to.
build_stock_prev() {
	local tarball wt=$BUILD/stock-7.2

	tarball=$(KHO_BASE_CONF=$TOP/stock-7.2.conf "$TOP/scripts/fetch-base.sh") || return 1
	if ! cmp -s "$tarball.sha256" "$wt/.tarball.sha256"; then
		rm -rf "$wt"
		mkdir -p "$wt"
		tar -xf "$tarball" -C "$wt" --strip-components=1 || return 1
		cp "$tarball.sha256" "$wt/.tarball.sha256"
	fi
	"$TOP/scripts/build-kernel.sh" "$wt" "$KOUT/stock-7.2"
}

# interop OTHER FIRST [KIND]: kexec_test.sh's KIND-to (the patched kernel
# hands over to KOUT/OTHER) or, with FIRST=other, KIND-from (OTHER hands
# over to the patched kernel); KIND is interop (the demo, the default) or
# luo (LUO's sessions and memfds). Both also check that each stage ran on
# the right kernel. Logs in SELFTEST_LOGS/OTHER.
interop() {
	local s=${3:-interop}-to
	[ "$2" = other ] && s=${3:-interop}-from
	"$KHO_SELFTESTS/kexec_test.sh" -k "$KOUT/patched" -o "$KOUT/$1" \
		-l "$SELFTEST_LOGS/$1" "$s"
}

# The live updates an operator makes, in one VM: the previous stock release
# hands over to ours, ours to stock (the base), that to ours again
# (kexec_test.sh upgrade). Logs in SELFTEST_LOGS/upgrade.
upgrade_chain() {
	"$KHO_SELFTESTS/kexec_test.sh" -k "$KOUT/patched" -o "$KOUT/stock" \
		-p "$KOUT/stock-7.2" -l "$SELFTEST_LOGS/upgrade" upgrade
}

# memblock_simulator [NUMA=1]: build tools/testing/memblock and run it.
memblock_simulator() {
	local dir=$TREE/tools/testing/memblock rc=0
	make -C "$dir" clean >/dev/null
	make -C "$dir" -j"$JOBS" "$@" && (cd "$dir" && ./main -v) || rc=1
	make -C "$dir" clean >/dev/null
	return $rc
}

# scatter_handover K LOG ARGS...: the "scatter" scenario on kernel K (a 2G VM).
scatter_handover() {
	local k=$1 log=$2
	shift 2
	(scatter_initramfs "$k") &&
	"$TOP/vm/run.sh" -m 2G "$log" "$KOUT/$k/arch/x86/boot/bzImage" \
		"$BUILD/initramfs-scatter-$k.cpio" scatter "$@"
}

# Many separate preservations of every kind across one kexec, each unit
# restored on its own with its bytes checked (tests/kho_scatter).
e2e_scatter() {
	scatter_handover patched "$LOGS/e2e-scatter-64k-serial.log" \
		khotest.scatter=scattered=65536,contig=65536,folios=1,ranges=64
}

# The same on two (emulated) NUMA nodes, blocks taken from both in turn:
# every unit restored, units on both nodes, and node 1 had deferred pages.
# In the debug kernel, which has NUMA (configs/kho-numa.config).
e2e_scatter_numa() {
	local log=$LOGS/e2e-scatter-numa-serial.log
	scatter_handover patched-debug "$log" numa=fake=2 \
		khotest.scatter=scattered=16384,contig=16384,folios=1,ranges=16,spread=1 || return 1
	grep -q '^khotest: restored: .*nodes: 0:[0-9]* 1:[0-9]*$' "$log.khotest" ||
		{ echo "the units were not on both nodes; see $log"; return 1; }
	[ "$(grep -c 'node 1 deferred pages initialised' "$log")" = 2 ] ||
		{ echo "node 1 had no deferred pages in both kernels; see $log"; return 1; }
}

# The userspace fuzzer of the radix tree's check (tools/testing/kho_radix):
# replay the corpus kept in tests/fuzz/kho_radix, then FUZZ_RUNS inputs of
# libFuzzer from it, then report the line coverage of the radix tree file.
fuzz_kho_radix() {
	local dir=$TREE/tools/testing/kho_radix rc=0
	make -C "$dir" clean >/dev/null
	make -C "$dir" check RUNS="${FUZZ_RUNS:-30000}" CORPUS="$TOP/tests/fuzz/kho_radix" || rc=1
	[ $rc = 1 ] || make -C "$dir" coverage CORPUS="$TOP/tests/fuzz/kho_radix" || rc=1
	ls "$dir"/findings/crash-* "$dir"/findings/timeout-* "$dir"/findings/leak-* 2>/dev/null &&
		{ echo "libFuzzer saved failing inputs (above)"; rc=1; }
	make -C "$dir" clean >/dev/null
	return $rc
}

# The final tree without KHO (configs/kho-off.config), as make bisect
# builds every patch.
build_patched_kho_n() {
	"$TOP/scripts/build-kernel.sh" "$TREE" "$KOUT/patched-kho-n" \
		"$TOP/configs/kho.config" "$TOP/configs/kho-off.config"
}

# static_check WHAT...: scripts/static-check.sh (kernel-doc, W=1 and sparse,
# Sphinx) on the files the series touches.
static_check() {
	"$TOP/scripts/static-check.sh" "$@"
}

# Every way of /sys/kernel/debug/kho/out/spoil, one per handover of a chain
# (vm/guest/khotest/spoil.sh); each way is then counted on its own.
SPOIL_WAYS="compatible fdt-truncated root-zero root-unaligned cycle shared
node-outside node-scratch key-invalid range-outside range-scratch
subtree-outside"
SPOIL_LOG=$LOGS/e2e-spoil-serial.log
SPOIL_RESULTS=$SPOIL_LOG.khotest

e2e_spoil_chain() {
	(scatter_initramfs patched-debug) &&
	"$TOP/vm/run.sh" -m 2G "$SPOIL_LOG" "$KOUT/patched-debug/arch/x86/boot/bzImage" \
		"$BUILD/initramfs-scatter-patched-debug.cpio" spoil reserve_mem=1M:4K:khospoil \
		"khotest.spoil=$(echo $SPOIL_WAYS | tr ' ' ',')"
}

# The successor of the handover spoilt in way $1 passed all seven checks.
e2e_spoil_way() {
	local n
	grep "^khotest: \(not \)\?ok - $1: " "$SPOIL_RESULTS"
	n=$(grep -c "^khotest: ok - $1: " "$SPOIL_RESULTS")
	grep -q "^khotest: not ok - $1: " "$SPOIL_RESULTS" && { echo "a check failed; see $SPOIL_LOG"; return 1; }
	[ "$n" = 7 ] || { echo "$n of 7 checks passed; see $SPOIL_LOG"; return 1; }
}

# Before the chain's last, clean handover, kho_scatter's misuse_phys= made
# five calls that KHO must refuse (scratch pages and folio, no pages, pages
# past memory) and unpreserved what it had not preserved twice, which KHO
# must report naming the caller; the successor then took that handover
# without refusing it, so none of them preserved anything; and they printed
# no WARNING.
e2e_api_misuse() {
	grep "^khotest: \(not \)\?ok - \(KHO refused\|KHO named\|and the refusals\|after the refusals\|and not refused\)" "$SPOIL_RESULTS"
	grep -q "^khotest: ok - KHO refused pages and a folio .*(5 of 5 calls refused with -EINVAL)" "$SPOIL_RESULTS" &&
		grep -q "^khotest: ok - KHO named the caller of each unpreserve" "$SPOIL_RESULTS" &&
		grep -q "^khotest: ok - and the refusals printed no WARNING" "$SPOIL_RESULTS" &&
		grep -q "^khotest: ok - after the refusals, a clean handover was taken" "$SPOIL_RESULTS" &&
		grep -q "^khotest: ok - and not refused" "$SPOIL_RESULTS" ||
		{ echo "see $SPOIL_LOG"; return 1; }
}

# The scenarios of the series' kexec selftests on the patched kernel, and
# their KTAP names; the debug kernel runs those that need test_kho_e2e.
SELFTEST_SCENARIOS="e2e-kexec-handover-demo:demo e2e-ramoops:ramoops
e2e-luo-selftests:luo"
DEBUG_SELFTEST_SCENARIOS="e2e-scale-64k:scale"

# debug_scenarios: every scenario on the debug kernel, or with because=WHAT
# set, count them all as failed because WHAT failed.
debug_scenarios() {
	local t w name what

	if [ -n "${because:-}" ]; then
		for t in $DEBUG_SELFTEST_SCENARIOS "e2e-chain-$CHAIN_KEXECS-handovers:" \
			$(sed 's/:.*//; s/^/e2e-chain-/' <<<"$CHAIN_CHECKS") \
			e2e-scatter-numa kunit-kho-radix e2e-spoil-chain \
			$(printf 'e2e-spoil-%s ' $SPOIL_WAYS) e2e-api-misuse-refused; do
			blocked "${t%%:*}" "$because"
		done
		return
	fi
	for t in $DEBUG_SELFTEST_SCENARIOS; do
		scenario "${t%%:*}" kho_selftest patched-debug "${t#*:}"
	done
	scenario "e2e-chain-$CHAIN_KEXECS-handovers" e2e_chain
	while IFS=: read -r name what; do
		scenario "e2e-chain-$name" chain_check "$what"
	done <<<"$CHAIN_CHECKS"
	scenario e2e-scatter-numa e2e_scatter_numa
	scenario kunit-kho-radix "$TOP/scripts/kunit.sh" --exec "$KOUT/patched-debug"
	scenario e2e-spoil-chain e2e_spoil_chain
	for w in $SPOIL_WAYS; do
		scenario "e2e-spoil-$w" e2e_spoil_way "$w"
	done
	scenario e2e-api-misuse-refused e2e_api_misuse
}

mkdir -p "$LOGS"
msg "check: set-up"
# What W=1 and sparse checked is counted anew in every run.
rm -f "$KOUT"/*/static-checked
"$TOP/scripts/deps.sh" || die "check: installing packages failed"
"$TOP/scripts/series.sh" apply || die "check: preparing build/linux failed"

for t in $("$TOP/tests/tooling.sh" --list); do
	[ "$t" = vm_reports_failed_boot ] && continue	# needs the kernel
	scenario "tooling-${t//_/-}" "$TOP/tests/tooling.sh" "$t"
done
scenario series-applies-to-pristine-base "$TOP/scripts/series.sh" verify
scenario memblock-simulator memblock_simulator
scenario memblock-simulator-numa memblock_simulator NUMA=1
scenario series-cover-letter cover_letter
scenario fuzz-kho-radix fuzz_kho_radix
while read -r p; do
	scenario "checkpatch-$(basename "$p" .patch | cut -c1-30)" checkpatch_one "$p"
done < <(series_files)
scenario kernel-doc-touched-files static_check kernel-doc
scenario docs-kho-htmldocs static_check docs

patched_ok=0 stock_ok=0 stock_prev_ok=0 debug_ok=0 kho_n_ok=0
if scenario build-patched-kho-y build_patched; then
	patched_ok=1
	scenario tooling-vm-reports-failed-boot "$TOP/tests/tooling.sh" vm_reports_failed_boot
	for t in $SELFTEST_SCENARIOS; do
		scenario "${t%%:*}" kho_selftest patched "${t#*:}"
	done
	scenario e2e-scatter-64k e2e_scatter
	# The debug kernel: the selftests' test_kho_e2e, KHO's debug options,
	# NUMA and the KUnit suite (debug_frags in lib.sh).
	if scenario build-patched-debug build_debug; then
		debug_ok=1
		debug_scenarios
	else
		because=build-patched-debug debug_scenarios
	fi
else
	blocked tooling-vm-reports-failed-boot build-patched-kho-y
	for t in $SELFTEST_SCENARIOS; do
		blocked "${t%%:*}" build-patched-kho-y
	done
	blocked e2e-scatter-64k build-patched-kho-y
	blocked build-patched-debug build-patched-kho-y
	because=build-patched-kho-y debug_scenarios
fi
scenario build-patched-kho-n build_patched_kho_n && kho_n_ok=1
scenario build-stock-kho-y build_stock && stock_ok=1
scenario build-stock-7.2-kho-y build_stock_prev && stock_prev_ok=1
if [ $patched_ok = 1 ] && [ $stock_prev_ok = 1 ]; then
	scenario e2e-interop-stock72-to-patched interop stock-7.2 other
	scenario e2e-interop-patched-to-stock72 interop stock-7.2 patched
	scenario e2e-luo-stock72-to-patched interop stock-7.2 other luo
	scenario e2e-luo-patched-to-stock72 interop stock-7.2 patched luo
else
	blocked e2e-interop-stock72-to-patched "a kernel build"
	blocked e2e-interop-patched-to-stock72 "a kernel build"
	blocked e2e-luo-stock72-to-patched "a kernel build"
	blocked e2e-luo-patched-to-stock72 "a kernel build"
fi
if [ $patched_ok = 1 ] && [ $stock_ok = 1 ] && [ $stock_prev_ok = 1 ]; then
	scenario e2e-upgrade-stock72-patched-stock-patched upgrade_chain
else
	blocked e2e-upgrade-stock72-patched-stock-patched "a kernel build"
fi
if [ $patched_ok = 1 ] && [ $stock_ok = 1 ]; then
	scenario e2e-interop-stock-to-patched interop stock other
	scenario e2e-interop-patched-to-stock interop stock patched
	scenario e2e-luo-stock-to-patched interop stock other luo
	scenario e2e-luo-patched-to-stock interop stock patched luo
	scenario bench-smoke "$TOP/scripts/bench.sh" --smoke
	scenario bench-boot-smoke "$TOP/scripts/bench-boot.sh" --smoke
else
	blocked e2e-interop-stock-to-patched "a kernel build"
	blocked e2e-interop-patched-to-stock "a kernel build"
	blocked e2e-luo-stock-to-patched "a kernel build"
	blocked e2e-luo-patched-to-stock "a kernel build"
	blocked bench-smoke "a kernel build"
	blocked bench-boot-smoke "a kernel build"
fi

# W=1 and sparse last: they recompile objects with other flags, which the
# next build of the same directory compiles again.
static_dirs=()
while read -r dir built ok; do
	if [ "$ok" = 1 ]; then
		scenario "w1-sparse-$dir" static_check build "$KOUT/$dir" &&
			static_dirs+=("$KOUT/$dir")
	else
		blocked "w1-sparse-$dir" "$built"
	fi
done <<EOF
patched build-patched-kho-y $patched_ok
patched-debug build-patched-debug $debug_ok
patched-kho-n build-patched-kho-n $kho_n_ok
EOF
scenario w1-sparse-every-touched-file static_check covered "${static_dirs[@]}"

echo
for f in "${FAILURES[@]}"; do
	echo "failed: $f"
done
if [ $SKIPPED -gt 0 ]; then
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
[ $FAILED -eq 0 ]
