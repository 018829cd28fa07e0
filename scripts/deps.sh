#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install every Debian package the tooling needs. Idempotent: does nothing
# when all of them are present. Needs root (or sudo) on Debian 12.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(
	# kernel build
	build-essential flex bison bc libelf-dev libssl-dev dwarves cpio
	xz-utils kmod rsync python3 perl git ccache
	# fetching the base with a private apt configuration
	apt dpkg ca-certificates
	# VM handover
	qemu-system-x86 kexec-tools busybox-static device-tree-compiler
	# checks (checkpatch's spdxcheck.py imports ply and git; Sphinx for the
	# KHO documentation; curl and make fetch and build Debian's newer sparse,
	# see static-check.sh)
	sparse python3-ply python3-git python3-sphinx curl
	# tools/testing/memblock (ASan/UBSan come with gcc)
	liburcu-dev
	# benchmark plots
	gnuplot-nox
	# tools/testing/kho_radix: libFuzzer, ASan/UBSan runtimes, llvm-cov
	clang libclang-rt-14-dev llvm
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	msg "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
msg "deps: installing ${missing[*]}"
mkdir -p "$LOGS"
run_logged "$LOGS/apt-update.log" $SUDO apt-get update
run_logged "$LOGS/apt-install.log" env DEBIAN_FRONTEND=noninteractive \
	$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
msg "deps: done"
