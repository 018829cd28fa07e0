# SPDX-License-Identifier: GPL-2.0
# Common paths and helpers for the tooling. Source it; do not run it.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KHO_BUILD:-$TOP/build}
CACHE=$BUILD/cache
TREE=$BUILD/linux
LOGS=$BUILD/logs
KOUT=$BUILD/kout
# The stock kernel (the pristine base) and its build are laid out as the
# patched ones are, TREE and KOUT/patched: both build directories are
# ../../linux from their source trees. Every path the
# compiler sees, relative to its build directory (ccache's base_dir is
# BUILD), is then the same in both builds, and the stock build gets the
# patched build's objects from ccache wherever the sources agree: both use
# the same configuration. KOUT/stock is a symbolic link to STOCK_KOUT.
STOCK_TREE=$BUILD/stock/linux
STOCK_KOUT=$BUILD/stock/kout/stock
PATCHES=${KHO_PATCHES:-$TOP/patches}
JOBS=${JOBS:-$(nproc)}

# shellcheck source=../base.conf
. "${KHO_BASE_CONF:-$TOP/base.conf}"

msg()  { printf '==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# need CMD...: fail with the package to install if a tool is missing.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			die "'$c' is missing: run 'make deps' (scripts/deps.sh) first"
	done
}

# The fragments of the debug kernel, build/kout/patched-debug: the series'
# kexec selftests' own (tools/testing/selftests/kho/config: test_kho_e2e,
# dormant unless test_kho_e2e.enable=1), KHO's debug options (the spoil
# file, the timing passes), NUMA and the radix tree's KUnit suite, dormant
# unless kunit.enable=1. One build serves every scenario that needs more
# than what production kernels run (configs/kho.config): the chain and
# scale selftests, the spoil chain, the NUMA handover, the KUnit suite and
# the successor benchmark's floors.
debug_frags() {
	local f=$TREE/tools/testing/selftests/kho/config

	echo "$TOP/configs/kho.config"
	[ ! -f "$f" ] || echo "$f"
	printf '%s\n' "$TOP/configs/kho-debug.config" \
		"$TOP/configs/kho-numa.config" "$TOP/configs/kho-kunit.config"
}

# build_debug: build the debug kernel into $KOUT/patched-debug.
build_debug() {
	local frags
	mapfile -t frags < <(debug_frags)
	"$TOP/scripts/build-kernel.sh" "$TREE" "$KOUT/patched-debug" "${frags[@]}"
}

# The series' patch files in order, without the cover letter.
series_files() {
	local p
	for p in "$PATCHES"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$p" ] || continue
		case "$p" in *0000-cover-letter.patch) continue ;; esac
		printf '%s\n' "$p"
	done
}

# run_logged LOG CMD...: run CMD with all output in LOG; on failure show the
# tail of the log and where it is.
run_logged() {
	local log=$1; shift
	mkdir -p "$(dirname "$log")"
	if ! "$@" >"$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/    | /' >&2
		die "'$*' failed; full log: $log"
	fi
}

# build_module SRC_DIR KOUT OUT_DIR: build the out-of-tree module in SRC_DIR
# (its *.c and Kbuild) against the kernel built in KOUT, into OUT_DIR.
build_module() {
	local src=$1 kout=$2 out
	out=$(realpath -m "$3")
	rm -rf "$out"
	mkdir -p "$out"
	cp "$src"/*.c "$src"/Kbuild "$out"/
	CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache} run_logged "$out/build.log" \
		make -C "$kout" M="$out" CC="ccache gcc" -j"$JOBS" modules
}

# scatter_initramfs K: build tests/kho_scatter against the kernel in $KOUT/K
# and pack it with K's bzImage into $BUILD/initramfs-scatter-K.cpio.
scatter_initramfs() {
	local k=$1
	build_module "$TOP/tests/kho_scatter" "$KOUT/$k" "$BUILD/scatter-module/$k"
	"$TOP/vm/mkinitramfs.sh" "$BUILD/initramfs-scatter-$k.cpio" "$KOUT/$k" \
		bzImage="$KOUT/$k/arch/x86/boot/bzImage" \
		kho_scatter.ko="$BUILD/scatter-module/$k/kho_scatter.ko"
}
