#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The applied tree at build/linux: the pristine base committed and tagged
# `base`, the series in patches/ applied on top with `git am`.
#
#   series.sh apply    create build/linux or bring it up to date with patches/
#   series.sh export   write base..HEAD of build/linux back into patches/
#   series.sh verify   check that patches/ applies to the pristine base (in a
#                      scratch index; build/linux is not touched)
#   series.sh status   say whether build/linux and patches/ agree
#   series.sh stock    check out the pristine base at build/stock/linux (a
#                      worktree of build/linux), for stock-kernel builds into
#                      build/kout/stock (a link to build/stock/kout/stock;
#                      see STOCK_TREE in lib.sh)
#
# apply refuses to throw away commits in build/linux that were never exported
# (FORCE=1 overrides).
#
# Debian's tarball ends its top-level .gitignore with `/*`, a packaging rule
# that ignores everything at the top level: `git add -A` would commit nothing
# and `git status` would hide new files. The base is committed as it is, with
# `git add -f`. Then, in the working copy only, that one rule is dropped from
# .gitignore and the file is marked skip-worktree: history keeps the pristine
# file, and git behaves in the tree as in any kernel tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APPLIED=$TREE/.git/kho-applied	# the patch files last applied or exported

git_tree() { git -C "$TREE" "$@"; }

# The base commit and `git am` need a committer. Where git has no identity
# configured (a fresh CI machine), use one that names the tooling, not a
# person: these commits never leave build/linux (patches keep their authors).
if [ -z "$(git config user.email 2>/dev/null)" ]; then
	export GIT_AUTHOR_NAME="KHO series tooling" GIT_AUTHOR_EMAIL="tooling@invalid"
	export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
fi

# One set of options for every export, so that files compare byte for byte.
FORMAT_PATCH=(format-patch -q --numbered --zero-commit --no-signature)

# unfold_subjects DIR: format-patch folds a Subject: longer than 78 columns
# onto a continuation line, and tools that read one line per header (the
# before-stop hook compares subjects that way) see half of it. Unfold it; an
# unfolded header means the same (RFC 5322) and `git am` reads both.
unfold_subjects() {
	local f
	for f in "$1"/*.patch; do
		awk 'h == 0 && /^$/ { h = 1 }
		     h == 0 && subj && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
		     { if (NR > 1) printf "\n"; printf "%s", $0; subj = (h == 0 && /^Subject: /) }
		     END { printf "\n" }' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
	done
}

# format_series DIR: the tree's base..HEAD as patch files in DIR (no cover).
format_series() {
	rm -rf "$1"
	mkdir -p "$1"
	git_tree "${FORMAT_PATCH[@]}" -o "$1" base..HEAD
	unfold_subjects "$1"
}

# same_series A B: the numbered patch files in A and B are identical.
same_series() {
	diff -r -q -x '0000-cover-letter.patch' -x '*.in' "$1" "$2" >/dev/null 2>&1
}

create_tree() {
	local tarball version

	tarball=$("$TOP/scripts/fetch-base.sh")
	version=$(cat "$CACHE/$BASE_TARBALL.version")
	msg "apply: creating $TREE from $(basename "$tarball") ($BASE_PACKAGE $version)"
	rm -rf "$TREE.tmp"
	mkdir -p "$TREE.tmp"
	tar -xf "$tarball" -C "$TREE.tmp" --strip-components=1
	git -C "$TREE.tmp" init -q -b series
	git -C "$TREE.tmp" config core.autocrlf false
	git -C "$TREE.tmp" config gc.auto 0
	# The tarball's .gitignore ignores all top-level entries: force-add.
	info "apply: committing the pristine base (git add -f, ~1 min)"
	git -C "$TREE.tmp" add -f -A .
	GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z' \
		git -C "$TREE.tmp" commit -q -m "Linux $(make -s -C "$TREE.tmp" kernelversion) ($BASE_PACKAGE $version)" \
		-m "Pristine base of the KHO radix tracker series, extracted from Debian's $BASE_TARBALL (sha256 $(sha256sum "$tarball" | cut -d' ' -f1))."
	git -C "$TREE.tmp" tag base
	git -C "$TREE.tmp" update-index --skip-worktree .gitignore
	sed -i '/^\/\*$/d' "$TREE.tmp/.gitignore"
	mv "$TREE.tmp" "$TREE"
}

am_series() {
	local p

	git_tree reset -q --hard base
	while read -r p; do
		if ! git_tree am -q --keep-cr "$p" >"$LOGS/apply.log" 2>&1; then
			git_tree am --abort >/dev/null 2>&1 || true
			sed 's/^/    | /' "$LOGS/apply.log" >&2
			die "apply: $(basename "$p") does not apply to the base; log: $LOGS/apply.log"
		fi
	done < <(series_files)
	rm -rf "$APPLIED"
	mkdir -p "$APPLIED"
	series_files | xargs -r cp -t "$APPLIED"
	msg "apply: $(series_files | wc -l) patches applied on base in $TREE"
}

cmd_apply() {
	local cur=$BUILD/.series-cur

	mkdir -p "$LOGS"
	need git tar xz
	if [ ! -d "$TREE/.git" ]; then
		create_tree
		am_series
		return
	fi
	git_tree rev-parse -q --verify base >/dev/null ||
		die "apply: $TREE has no tag 'base'; remove $TREE and run 'make apply' again"
	# base.conf may have moved to another base since the tree was made.
	git_tree log -1 --format=%s base | grep -qF "($BASE_PACKAGE " ||
		die "apply: $TREE is based on '$(git_tree log -1 --format=%s base)', not on $BASE_PACKAGE (base.conf); move it aside and run 'make apply' again"
	if [ -n "$(git_tree status --porcelain --untracked-files=no)" ]; then
		[ "${FORCE:-0}" = 1 ] ||
			die "apply: $TREE has uncommitted changes; commit and 'make export' them, or FORCE=1 to discard"
	fi
	format_series "$cur"
	if same_series "$cur" "$PATCHES"; then
		msg "apply: $TREE is up to date with patches/"
		return
	fi
	# Re-apply only over commits that came from patches/ (or none at all).
	if [ "${FORCE:-0}" != 1 ] && [ -n "$(ls -A "$cur")" ] &&
	   ! { [ -d "$APPLIED" ] && same_series "$cur" "$APPLIED"; }; then
		die "apply: $TREE has commits that are not in patches/ (run 'make export'), or FORCE=1 to discard them"
	fi
	am_series
}

# Keep the cover letter's subject, date and blurb; refresh its shortlog and
# diffstat from the tree.
cmd_export() {
	local out=$BUILD/.series-export n

	git_tree rev-parse -q --verify base >/dev/null || die "export: no applied tree at $TREE"
	[ -z "$(git_tree status --porcelain --untracked-files=no)" ] ||
		die "export: $TREE has uncommitted changes; commit them first"
	n=$(git_tree rev-list --count base..HEAD)
	[ "$n" -gt 0 ] || die "export: no commits on top of base in $TREE"
	rm -rf "$out"
	mkdir -p "$out"
	git_tree "${FORMAT_PATCH[@]}" --cover-letter -o "$out" base..HEAD
	unfold_subjects "$out"
	python3 "$TOP/scripts/cover-letter.py" "$PATCHES/0000-cover-letter.patch" \
		"$out/0000-cover-letter.patch"
	mkdir -p "$PATCHES"
	find "$PATCHES" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' -delete
	cp "$out"/*.patch "$PATCHES"/
	rm -rf "$APPLIED"
	mkdir -p "$APPLIED"
	series_files | xargs -r cp -t "$APPLIED"
	msg "export: $n patches and the cover letter written to patches/"
}

# base_worktree DIR: a fresh worktree of the pristine base at DIR.
base_worktree() {
	git_tree worktree remove --force "$1" >/dev/null 2>&1 || rm -rf "$1"
	git_tree worktree prune
	git_tree worktree add -q --detach "$1" base
}

# Each patch, as git am takes it apart (git mailinfo), applied to an index
# of its own that starts as the pristine base: no worktree to check out.
# The tree it ends with must be build/linux's, if that is up to date.
cmd_verify() {
	local idx=$BUILD/.verify-index p n=0 tree d

	git_tree rev-parse -q --verify base >/dev/null || die "verify: no applied tree at $TREE"
	d=$(mktemp -d)
	rm -f "$idx"
	GIT_INDEX_FILE=$idx git_tree read-tree base
	while read -r p; do
		if ! git_tree mailinfo "$d/msg" "$d/patch" <"$p" >"$d/info" 2>"$LOGS/verify-apply.log" ||
		   ! grep -q '^Subject: .' "$d/info" ||
		   ! GIT_INDEX_FILE=$idx git_tree apply --cached "$d/patch" >>"$LOGS/verify-apply.log" 2>&1; then
			sed 's/^/    | /' "$LOGS/verify-apply.log" >&2
			rm -rf "$d" "$idx"
			die "verify: $(basename "$p") does not apply to the pristine base; log: $LOGS/verify-apply.log"
		fi
		n=$((n + 1))
	done < <(series_files)
	[ $n -gt 0 ] || { rm -rf "$d" "$idx"; die "verify: no patches in $PATCHES"; }
	tree=$(GIT_INDEX_FILE=$idx git_tree write-tree)
	rm -rf "$d" "$idx"
	format_series "$BUILD/.series-cur"
	if same_series "$BUILD/.series-cur" "$PATCHES" &&
	   [ "$tree" != "$(git_tree rev-parse 'HEAD^{tree}')" ]; then
		die "verify: the patches give tree $tree, build/linux has $(git_tree rev-parse 'HEAD^{tree}')"
	fi
	msg "verify: all $n patches apply to the pristine base (tree $tree)"
}

cmd_status() {
	local cur=$BUILD/.series-cur

	[ -d "$TREE/.git" ] || { echo "no applied tree at $TREE (make apply)"; return; }
	format_series "$cur"
	if same_series "$cur" "$PATCHES"; then
		echo "build/linux matches patches/ ($(series_files | wc -l) patches)"
	else
		echo "build/linux differs from patches/: run 'make export' to save the tree's series"
	fi
	git_tree status --short
}

cmd_stock() {
	local wt=$STOCK_TREE

	git_tree rev-parse -q --verify base >/dev/null || die "stock: no applied tree at $TREE"
	# An earlier layout had the worktree at build/stock itself.
	if [ -e "$BUILD/stock/.git" ]; then
		git_tree worktree remove --force "$BUILD/stock" >/dev/null 2>&1 ||
			rm -rf "$BUILD/stock"
		git_tree worktree prune
	fi
	# The build directory, and the link to it that scripts use.
	mkdir -p "$STOCK_KOUT" "$KOUT"
	if [ "$(readlink "$KOUT/stock")" != "$STOCK_KOUT" ]; then
		rm -rf "$KOUT/stock"
		ln -s "$STOCK_KOUT" "$KOUT/stock"
	fi
	if [ "$(git -C "$wt" rev-parse HEAD 2>/dev/null)" = "$(git_tree rev-parse base)" ] &&
	   [ -z "$(git -C "$wt" status --porcelain --untracked-files=no)" ]; then
		msg "stock: $wt is the pristine base"
		return
	fi
	base_worktree "$wt"
	msg "stock: pristine base checked out at $wt"
}

case "${1:-}" in
stock) cmd_stock ;;
apply) cmd_apply ;;
export) cmd_export ;;
verify) cmd_verify ;;
status) cmd_status ;;
*) die "usage: $0 apply|export|verify|status|stock" ;;
esac
