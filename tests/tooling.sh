#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Self-tests of the tooling's own logic and of its handling of bad input.
#
#   tests/tooling.sh TEST      run one test (make check runs each of them)
#   tests/tooling.sh --list    list the tests
#
# Each test exits 0 on success and prints why it failed otherwise.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# expect_fail PATTERN CMD...: CMD must exit non-zero and say PATTERN.
expect_fail() {
	local pat=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	echo "$out"
	[ $rc -ne 0 ] || fail "'$*' succeeded"
	grep -q -- "$pat" <<<"$out" || fail "'$*' did not say '$pat'"
}

# Exporting keeps the cover letter's subject, date and blurb, and takes the
# shortlog and diffstat of the new series.
test_cover_letter() {
	cat >"$TMP/old" <<-'EOM'
	From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
	From: A U Thor <a@example.org>
	Date: Sat, 1 Aug 2026 10:00:00 +0000
	Subject: [PATCH 0/1] kho: the old subject

	The blurb, line one.

	A U Thor (3):
	  not this line
	EOM
	cat >"$TMP/new" <<-'EOM'
	From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
	From: A U Thor <a@example.org>
	Date: Sun, 2 Aug 2026 10:00:00 +0000
	Subject: [PATCH 0/2] *** SUBJECT HERE ***

	*** BLURB HERE ***

	A U Thor (2):
	  kho: one
	  kho: two
	EOM
	python3 "$TOP/scripts/cover-letter.py" "$TMP/old" "$TMP/new"
	cat "$TMP/new"
	grep -qx 'Subject: \[PATCH 0/2\] kho: the old subject' "$TMP/new" || fail "subject"
	grep -qx 'Date: Sat, 1 Aug 2026 10:00:00 +0000' "$TMP/new" || fail "date"
	grep -qx 'The blurb, line one.' "$TMP/new" || fail "blurb"
	grep -qx '  kho: two' "$TMP/new" || fail "new shortlog"
	! grep -q 'not this line\|BLURB HERE' "$TMP/new" || fail "old shortlog or placeholder left"
}

# A local tarball whose checksum is not the pin is refused.
test_fetch_rejects_bad_checksum() {
	echo "not a kernel" | xz >"$TMP/fake.tar.xz"
	KHO_BUILD=$TMP/b LINUX_TARBALL=$TMP/fake.tar.xz \
		expect_fail "not the pinned $BASE_SHA256" "$TOP/scripts/fetch-base.sh"
}

# A patch that does not apply is named, and nothing is left behind.
test_verify_names_failing_patch() {
	local p=$TMP/patches
	mkdir -p "$p"
	cat >"$p/0001-broken.patch" <<-'EOM'
	From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
	From: A U Thor <a@example.org>
	Date: Sat, 1 Aug 2026 10:00:00 +0000
	Subject: [PATCH] broken: does not apply

	Signed-off-by: A U Thor <a@example.org>
	---
	 README | 2 +-
	 1 file changed, 1 insertion(+), 1 deletion(-)

	diff --git a/README b/README
	--- a/README
	+++ b/README
	@@ -1,1 +1,1 @@
	-This line is not in the base README
	+Neither is this one
	EOM
	KHO_PATCHES=$p expect_fail "0001-broken.patch does not apply" "$TOP/scripts/series.sh" verify
	[ ! -e "$BUILD/.verify-index" ] || fail "scratch index left behind"
}

# An option that cannot land in .config stops the build with its name.
test_config_assertion() {
	local out
	printf 'CONFIG_KHO_NO_SUCH_OPTION=y\n' >"$TMP/bad.config"
	out=$(expect_fail "CONFIG_KHO_NO_SUCH_OPTION=y' did not land" \
		"$TOP/scripts/build-kernel.sh" "$TREE" "$TMP/kout" \
		"$TOP/configs/kho.config" "$TMP/bad.config")
	echo "$out"
	[ "$(grep -c 'did not land\|should be unset' <<<"$out")" = 1 ] ||
		fail "options of configs/kho.config were flagged too"
}

# A kernel that does not reach the test's init is reported with its log.
test_vm_reports_failed_boot() {
	local img=$KOUT/patched/arch/x86/boot/bzImage
	[ -f "$img" ] || fail "no kernel at $img (build it first)"
	: >"$TMP/empty.cpio"
	expect_fail "did not pass (kernels booted: 1" \
		"$TOP/vm/run.sh" -t 120 "$TMP/serial.log" "$img" "$TMP/empty.cpio" demo
	grep -q 'Kernel panic' "$TMP/serial.log" || fail "no panic in the serial log"
}

# The guest helpers, run by busybox's ash on the host.
test_guest_helpers() {
	local out
	out=$(busybox sh -c ". $TREE/tools/testing/selftests/kho/guest/khotest/lib.sh
		le64 0 0 10 3f 0 0 0 0
		le64 ff ff ff ff ff ff ff 7f
		cat() { echo 'console=ttyS0 khotest.demo=old kho=on'; }
		next_cmdline khotest.demo=new khotest.x=1")
	echo "$out"
	[ "$out" = "0x3f100000
0x7fffffffffffffff
console=ttyS0 kho=on khotest.demo=new khotest.x=1" ] || fail "unexpected output"
}

# The guest's memory helpers hash and fill exactly the bytes asked for, or
# fail: a /dev/mem that refuses a read (STRICT_DEVMEM) must not give the
# hash of a short or empty read, which would be the same on both sides of a
# handover. KT_MEM points them at a file here.
test_guest_mem_helpers() {
	local lib=$TREE/tools/testing/selftests/kho/guest/khotest/lib.sh want out

	head -c 16384 /dev/urandom >"$TMP/mem"
	want=$(tail -c 8192 "$TMP/mem" | sha256sum | cut -d' ' -f1)
	out=$(KT_MEM=$TMP/mem busybox sh -c ". $lib; mem_sha256 8192 8192") ||
		fail "mem_sha256 of 2 pages that are there failed"
	[ "$out" = "$want" ] || fail "mem_sha256 gave '$out', not $want"
	# As the guest passes them: in hexadecimal, from fdt_u64.
	out=$(KT_MEM=$TMP/mem busybox sh -c ". $lib; mem_sha256 0x2000 0x2000") ||
		fail "mem_sha256 of 2 pages given in hexadecimal failed"
	[ "$out" = "$want" ] || fail "mem_sha256 0x2000 0x2000 gave '$out', not $want"
	! out=$(KT_MEM=$TMP/mem busybox sh -c ". $lib; mem_sha256 8192 16384" 2>&1) ||
		fail "mem_sha256 past the end of memory gave '$out'"
	! out=$(KT_MEM=$TMP/none busybox sh -c ". $lib; mem_sha256 0 4096" 2>&1) ||
		fail "mem_sha256 of memory that cannot be read gave '$out'"
	! out=$(KT_MEM=$TMP/mem busybox sh -c ". $lib; mem_sha256 0 0" 2>&1) ||
		fail "mem_sha256 of no bytes gave '$out'"
	! out=$(KT_MEM=$TMP/mem busybox sh -c ". $lib; sha256sum() { return 1; }
		mem_sha256 0 4096" 2>&1) || fail "mem_sha256 with a sha256sum that fails gave '$out'"
	cp "$TMP/mem" "$TMP/mem.before"
	KT_MEM=$TMP/mem busybox sh -c ". $lib; mem_fill_random 4096 8192" ||
		fail "mem_fill_random of 2 pages that are there failed"
	[ "$(stat -c %s "$TMP/mem")" = 16384 ] || fail "mem_fill_random changed the size"
	cmp -s -n 4096 "$TMP/mem" "$TMP/mem.before" || fail "mem_fill_random wrote before ADDR"
	cmp -s -i 12288 "$TMP/mem" "$TMP/mem.before" || fail "mem_fill_random wrote past ADDR + SIZE"
	! cmp -s -i 4096 -n 8192 "$TMP/mem" "$TMP/mem.before" || fail "mem_fill_random wrote nothing"
	! out=$(KT_MEM=$TMP/no/such/dir busybox sh -c ". $lib; mem_fill_random 0 4096" 2>&1) ||
		fail "mem_fill_random into memory that cannot be written succeeded ($out)"
}

# apply never discards commits that were not exported; export writes them
# into patches/ and keeps the cover letter; apply is then up to date. Runs
# on a small tree that stands in for build/linux (a base tagged as
# create_tree tags it, two commits on top, one with a subject that
# format-patch folds) and on the project's cover letter: the same commands
# as on the kernel, without checking out 90000 files.
test_apply_export_roundtrip() {
	local b=$TMP/b p=$TMP/patches t=$TMP/b/linux n=3 i
	mkdir -p "$b" "$p"
	export GIT_AUTHOR_NAME="A U Thor" GIT_AUTHOR_EMAIL=a@example.org
	export GIT_COMMITTER_NAME="A U Thor" GIT_COMMITTER_EMAIL=a@example.org
	git init -q -b series "$t"
	echo "base" >"$t/README"
	git -C "$t" add README
	git -C "$t" commit -q -m "Linux 0.0 ($BASE_PACKAGE 0.0-1)"
	git -C "$t" tag base
	for i in 1 2; do
		echo "change $i" >>"$t/README"
		git -C "$t" commit -q -a -s -m "README: change $i$([ $i = 2 ] &&
			printf ', with a subject long enough for format-patch to fold it')"
	done
	cp "$PATCHES/0000-cover-letter.patch" "$p"/
	export KHO_BUILD=$b KHO_PATCHES=$p
	"$TOP/scripts/series.sh" export
	"$TOP/scripts/series.sh" apply | grep -q 'up to date' || fail "exported tree not up to date"
	grep -q '^Subject: \[PATCH 2/2\] README: change 2, with .* fold it$' "$p"/0002-*.patch ||
		fail "the long subject was not kept on one line"
	echo "/* roundtrip */" >>"$t/README"
	git -C "$t" commit -q -a -s -m "README: roundtrip test"
	expect_fail "commits that are not in patches/" "$TOP/scripts/series.sh" apply
	"$TOP/scripts/series.sh" export
	ls "$p"
	[ -f "$p/$(printf %04d "$n")-README-roundtrip-test.patch" ] ||
		fail "export did not write patch $n"
	grep -q "^Subject: \[PATCH 0*0/$n\] $(sed -n 's/^Subject: \[PATCH 0*0\/[0-9]*\] //p' \
		"$PATCHES/0000-cover-letter.patch")" "$p/0000-cover-letter.patch" ||
		fail "cover letter subject not kept"
	"$TOP/scripts/series.sh" apply | grep -q 'up to date' || fail "not up to date after export"
	git -C "$t" reset -q --hard HEAD~1
	expect_fail "commits that are not in patches/" "$TOP/scripts/series.sh" apply
	FORCE=1 "$TOP/scripts/series.sh" apply
	[ "$(git -C "$t" log -1 --format=%s)" = "README: roundtrip test" ] ||
		fail "FORCE=1 apply did not restore patches/"
	[ "$(git -C "$t" rev-list --count base..HEAD)" = $n ] ||
		fail "FORCE=1 apply did not give $n commits"
}

# static-check.sh finds an object in a thin archive (built-in.a) every
# time: ar's listing of a large archive under a long path takes more than
# one write, and a reader that stops at the first match must not turn ar's
# SIGPIPE into "not built in" (pipefail), as it once did in CI for
# lib/test_kho_e2e.o. The archive has 200 members and the object is the
# first; 20 tries.
test_static_built_in() {
	local out=$TMP/a/long/path/to/a/kernel/build/directory/like/ci/has i

	mkdir -p "$out/lib"
	for i in $(seq -w 1 200); do
		: >"$out/lib/object_with_a_long_name_$i.o"
	done
	(cd "$out" && ar cDPrST lib/built-in.a lib/object_with_a_long_name_*.o)
	[ "$(ar t "$out/lib/built-in.a" | wc -c)" -gt 8192 ] || fail "listing too short to need two writes"
	for i in $(seq 20); do
		"$TOP/scripts/static-check.sh" built-in "$out" lib/object_with_a_long_name_001.o ||
			fail "try $i: lib/object_with_a_long_name_001.o not found in $out/lib/built-in.a"
	done
	! "$TOP/scripts/static-check.sh" built-in "$out" lib/absent.o || fail "lib/absent.o found"
}

# kexec_test.sh skips the whole run, as kselftests do (exit 4, "1..0 #
# SKIP reason"), on an architecture with no ARCH.conf and on a host without
# one of its tools (here fdtget, hidden behind a PATH of links to all else).
test_selftest_skips() {
	local t=$TREE/tools/testing/selftests/kho/kexec_test.sh out rc d f

	mkdir -p "$TMP/kout" "$TMP/bin"
	rc=0
	out=$(ARCH=riscv "$t" -k "$TMP/kout" -l "$TMP/logs" demo) || rc=$?
	echo "$out"
	[ $rc = 4 ] || fail "ARCH=riscv: exit $rc, not 4 (KSFT_SKIP)"
	grep -qx '1..0 # SKIP architecture riscv is not supported (no riscv.conf)' <<<"$out" ||
		fail "ARCH=riscv: no '1..0 # SKIP' line"

	for d in ${PATH//:/ }; do
		for f in "$d"/*; do
			[ "${f##*/}" = fdtget ] || [ -e "$TMP/bin/${f##*/}" ] ||
				ln -s "$f" "$TMP/bin/${f##*/}"
		done
	done
	rc=0
	out=$(PATH=$TMP/bin "$t" -k "$TMP/kout" -l "$TMP/logs" demo) || rc=$?
	echo "$out"
	[ $rc = 4 ] || fail "without fdtget: exit $rc, not 4 (KSFT_SKIP)"
	grep -qx '1..0 # SKIP fdtget is missing' <<<"$out" || fail "without fdtget: no '1..0 # SKIP' line"
}

tests=(cover_letter fetch_rejects_bad_checksum verify_names_failing_patch apply_export_roundtrip
	config_assertion vm_reports_failed_boot guest_helpers guest_mem_helpers
	static_built_in selftest_skips)
case "${1:-}" in
--list) printf '%s\n' "${tests[@]}" ;;
*)
	[[ " ${tests[*]} " == *" ${1:-} "* ]] || die "usage: $0 --list | TEST"
	"test_$1"
	;;
esac
