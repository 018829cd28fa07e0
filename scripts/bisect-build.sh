#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bisect: build every patch of the series in turn, with KHO, with its
# debug options and without KHO (configs/kho.config, then with
# configs/kho-debug.config or configs/kho-off.config added), so that the
# series bisects.
#
#   bisect-build.sh [FIRST [LAST]]
#
# FIRST and LAST are the numbers of the first and the last patch to build
# (default: all of them). The commits come from build/linux (branch
# series); they are checked out one by one in a worktree,
# build/bisect/linux, and built in build/bisect/kout/{y,debug,n}. That
# layout puts every source file at the same path relative to the build
# directory as in build/linux and build/kout/*, so ccache (base_dir
# build/) serves what a patch does not change from the other builds:
# after one build of the final tree, a patch costs the objects it touches.
# Ends with "N of M builds passed" and fails if any failed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

first=${1:-1}
last=${2:-0}
[ -d "$TREE/.git" ] || die "bisect: no $TREE; run 'make apply' first"
wt=$BUILD/bisect/linux
if [ ! -d "$wt/.git" ] && [ ! -f "$wt/.git" ]; then
	mkdir -p "$BUILD/bisect"
	git -C "$TREE" worktree add -q --detach "$wt" base
fi
mapfile -t commits < <(git -C "$TREE" rev-list --reverse base..series)
[ ${#commits[@]} -gt 0 ] || die "bisect: no commits between base and series"
[ "$last" -gt 0 ] || last=${#commits[@]}
[ "$first" -ge 1 ] && [ "$first" -le "$last" ] && [ "$last" -le ${#commits[@]} ] ||
	die "bisect: patches $first to $last: the series has ${#commits[@]}"

passed=0 total=0 failed=()
for ((i = first - 1; i < last; i++)); do
	c=${commits[$i]}
	subject=$(git -C "$TREE" log -1 --format=%s "$c")
	git -C "$wt" checkout -q --detach "$c"
	for kho in y debug n; do
		frags=("$TOP/configs/kho.config")
		# The tree's own selftests fragment (test_kho_e2e), as make
		# check's debug kernel has it; with KHO=n its options cannot land.
		if [ $kho != n ] && [ -f "$wt/tools/testing/selftests/kho/config" ]; then
			frags+=("$wt/tools/testing/selftests/kho/config")
		fi
		[ $kho = debug ] && frags+=("$TOP/configs/kho-debug.config")
		[ $kho = n ] && frags+=("$TOP/configs/kho-off.config")
		total=$((total + 1))
		msg "bisect: patch $((i + 1))/${#commits[@]} KHO=$kho: $subject"
		if "$TOP/scripts/build-kernel.sh" "$wt" "$BUILD/bisect/kout/$kho" "${frags[@]}" >/dev/null; then
			passed=$((passed + 1))
		else
			failed+=("patch $((i + 1)) KHO=$kho: $subject (log: $BUILD/bisect/kout/$kho/build.log)")
		fi
	done
done
for f in "${failed[@]}"; do
	echo "failed: $f"
done
echo "$passed of $total builds passed"
[ $passed = $total ]
