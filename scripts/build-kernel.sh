#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build a kernel from a source tree with tinyconfig + configs/*.config.
#
#   build-kernel.sh SRC OUT [FRAGMENT...]
#
# The kernel release gets the suffix "-$(basename OUT)" (LOCALVERSION), so a
# guest log says which build it is running ("7.3.4-stock", "7.3.4-patched").
#
# SRC is a kernel tree, OUT the build directory (O=). The default fragment
# is configs/kho.config, for the patched and the stock kernel alike: with
# one configuration, ccache serves one build the other's objects wherever
# their sources agree (see STOCK_TREE in lib.sh). The patched tree's own
# tools/testing/selftests/kho/config adds test_kho_e2e, which the debug
# kernel has (debug_frags in lib.sh). Every option a fragment sets (or
# unsets) is asserted to have landed in OUT/.config; where fragments
# disagree, the later one wins, as merge_config.sh merges them. Uses
# ccache. Shows a progress line; the full log is OUT/build.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 2 ] || die "usage: $0 SRC OUT [FRAGMENT...]"
src=$(realpath "$1"); out=$2; shift 2
frags=("$@")
[ ${#frags[@]} -gt 0 ] || frags=("$TOP/configs/kho.config")
need make gcc flex bison bc ccache
mkdir -p "$out"
out=$(realpath "$out")
log=$out/build.log
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$BUILD
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP='2026-01-01' KBUILD_BUILD_USER=kho KBUILD_BUILD_HOST=kho
ccache -M 5G >/dev/null
kmake=(make -C "$src" O="$out" -j"$JOBS" CC="ccache gcc" HOSTCC="ccache gcc"
	LOCALVERSION="-$(basename "$out")")

# Configure from scratch only when a fragment changed.
cfgsum=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.config.frags" 2>/dev/null)" != "$cfgsum" ]; then
	run_logged "$out/config.log" "${kmake[@]}" tinyconfig
	run_logged "$out/config.log" "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
		"$out/.config" "${frags[@]}"
	run_logged "$out/config.log" "${kmake[@]}" olddefconfig
	echo "$cfgsum" >"$out/.config.frags"
fi
# What the fragments ask for, a later fragment overriding an earlier one
# (as merge_config.sh merges them): option -> its line.
declare -A want=()
order=()
while read -r line; do
	case "$line" in
	CONFIG_*=*) opt=${line%%=*} ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
	*) continue ;;
	esac
	[ -n "${want[$opt]:-}" ] || order+=("$opt")
	want[$opt]=$line
done < <(cat "${frags[@]}")
bad=0
for opt in "${order[@]}"; do
	line=${want[$opt]}
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || { warn "config: '$line' did not land in $out/.config"; bad=1; } ;;
	*)
		! grep -q "^$opt=" "$out/.config" || { warn "config: '$opt' should be unset in $out/.config"; bad=1; } ;;
	esac
done
[ $bad = 0 ] || { rm -f "$out/.config.frags"; die "config: required options missing (dependencies?); see $out/config.log"; }

msg "build: $(basename "$src") -> $out (log: $log)"
start=$(date +%s)
# With CONFIG_MODULES, "modules" also writes Module.symvers, which
# out-of-tree modules (bench/kho_bench) need to link against this kernel.
targets=(bzImage)
grep -qx 'CONFIG_MODULES=y' "$out/.config" && targets+=(modules)
"${kmake[@]}" "${targets[@]}" >"$log" 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
	sleep 10
	kill -0 $pid 2>/dev/null || break
	printf '    build: %4ds, %5d objects compiled\n' $(($(date +%s) - start)) \
		"$(grep -c '^  CC ' "$log" || true)"
done
if ! wait $pid; then
	grep -E 'error|Error' "$log" | head -n 20 | sed 's/^/    | /' >&2
	die "build: kernel build failed; full log: $log"
fi
msg "build: done in $(($(date +%s) - start))s: $out/arch/x86/boot/bzImage"
