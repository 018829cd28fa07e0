# SPDX-License-Identifier: GPL-2.0
# KHO radix tracker series: tooling entry points. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps fetch apply export status verify build kunit kunit-sanitize bench bench-boot bisect demo check clean distclean

help:
	@echo "make demo     set up, build, and hand over across kexec in QEMU (verified)"
	@echo "make check    set up and run every test; ends with 'N passed, N failed'"
	@echo "make deps     install the Debian packages the tooling needs"
	@echo "make fetch    fetch and verify the pinned base (base.conf)"
	@echo "make apply    create build/linux (base + patches/) or update it"
	@echo "make export   write build/linux's commits back into patches/"
	@echo "make status   compare build/linux with patches/"
	@echo "make verify   check that patches/ applies to the pristine base"
	@echo "make build    build the patched kernel (build/kout/patched)"
	@echo "make kunit    run the radix tree's KUnit suite in QEMU (kunit.py)"
	@echo "make kunit-sanitize  the same on KASAN+lockdep and KCSAN kernels"
	@echo "make bench    time the tracker: stock vs ours, same VMs (bench/results/)"
	@echo "make bench-boot  successor KHO time vs preserved ranges, stock vs ours"
	@echo "make bisect   build every patch in turn, KHO=y/debug/n (FIRST=, LAST=)"
	@echo "make clean    remove build outputs, keep the cache and build/linux"

deps:
	@scripts/deps.sh

fetch: deps
	@scripts/fetch-base.sh >/dev/null

apply: deps
	@scripts/series.sh apply

export:
	@scripts/series.sh export

status:
	@scripts/series.sh status

verify: apply
	@scripts/series.sh verify

build: apply
	@scripts/build-kernel.sh build/linux build/kout/patched

kunit: apply
	@scripts/kunit.sh

kunit-sanitize: apply
	@scripts/kunit.sh --sanitize kasan
	@scripts/kunit.sh --sanitize kcsan

bench:
	@scripts/bench.sh
	@scripts/bench-boot.sh

bench-boot:
	@scripts/bench-boot.sh

bisect: apply
	@scripts/bisect-build.sh $(or $(FIRST),1) $(LAST)

demo:
	@scripts/demo.sh

check:
	@scripts/check.sh

clean:
	rm -rf build/kout build/logs build/initramfs-*.cpio build/.series-*

distclean:
	rm -rf build
