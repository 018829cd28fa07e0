#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: time KHO's preservation tracker, stock (the base that
# base.conf pins) against the series, through the public API only
# (bench/kho_bench, built against each kernel), in identical VMs run
# alternately on this machine.
#
#   bench.sh [--smoke]
#
# BENCH_RUNS VM runs per kernel (default 3), each repeating every case
# BENCH_REPS times (default 3) over BENCH_BLOCKS 4 MiB blocks (default 128,
# i.e. 131072 pages per case). Then the tracker's memory: each case once
# in a fresh VM per case and kernel (kho_bench memory=CASE), BENCH_RUNS
# times, as the pages it took from the page allocator with the case
# preserved and what it kept after the case was unpreserved. --smoke runs one tiny round and one case's
# memory: it checks the harness, not the numbers. Results:
# bench/results/tracker-DATE-ACCEL.{csv,md}, -memory.csv and .png
# (preserve and unpreserve ns/page as bars); the smoke run writes under
# build/ instead. The tables go to stdout too.
#
# BENCH_VARIANTS names other versions of the tracker to time in the same
# runs (default percpu-rwsem): bench/variants/NAME.patch, applied on top of
# the series in build/variants/NAME/linux and built in
# build/variants/NAME/kout/bench-NAME (the same paths relative to each
# other as build/linux and build/kout/patched, so that ccache shares the
# objects), linked as kout/bench-NAME. The results then compare ours with
# each, with a rank-sum test of whether the difference is beyond the noise.
# The smoke run builds none (a kernel build each); it only checks that each
# variant still applies to the series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smoke=0
[ "${1:-}" = --smoke ] && smoke=1
runs=${BENCH_RUNS:-3} reps=${BENCH_REPS:-3} blocks=${BENCH_BLOCKS:-128}
[ $smoke = 0 ] || { runs=1 reps=1 blocks=4; }
accel=${KHO_ACCEL:-tcg}
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
if [ $smoke = 1 ]; then
	res=$BUILD/bench-smoke
else
	res=$TOP/bench/results
fi
mkdir -p "$res" "$LOGS"
base=$res/tracker-$stamp-$accel
csv=$base.csv md=$base.md mcsv=$base-memory.csv
mem_cases="contig scattered folio mixed range"
[ $smoke = 0 ] || mem_cases=scattered

"$TOP/scripts/deps.sh"
"$TOP/scripts/series.sh" apply
"$TOP/scripts/series.sh" stock
"$TOP/scripts/build-kernel.sh" "$TREE" "$KOUT/patched"
"$TOP/scripts/build-kernel.sh" "$STOCK_TREE" "$KOUT/stock"

# variant_tree NAME: build/variants/NAME/linux at the series' head, with the
# variant's patch applied.
variant_tree() {
	local wt=$BUILD/variants/$1/linux rev
	rev=$(git -C "$TREE" rev-parse HEAD)
	[ -d "$wt" ] || git -C "$TREE" worktree add -q --detach "$wt" "$rev"
	git -C "$wt" checkout -q -f --detach "$rev"
	git -C "$wt" apply "$TOP/bench/variants/$1.patch" ||
		die "bench: bench/variants/$1.patch does not apply to the series"
}

variants=${BENCH_VARIANTS-percpu-rwsem}
kernels="stock patched"
if [ $smoke = 1 ]; then
	# Against build/linux's index, which series.sh apply left at its head:
	# no checkout of a second tree.
	for v in $variants; do
		git -C "$TREE" apply --check --cached "$TOP/bench/variants/$v.patch" ||
			die "bench: bench/variants/$v.patch does not apply to the series"
		msg "bench: variant $v applies to the series (not built in a smoke run)"
	done
	variants=
fi
for v in $variants; do
	variant_tree "$v"
	vout=$BUILD/variants/$v/kout/bench-$v
	mkdir -p "$vout"
	[ "$(readlink "$KOUT/bench-$v")" = "$vout" ] || { rm -rf "$KOUT/bench-$v"; ln -s "$vout" "$KOUT/bench-$v"; }
	"$TOP/scripts/build-kernel.sh" "$BUILD/variants/$v/linux" "$vout"
	kernels+=" bench-$v"
done

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
for k in $kernels; do
	mod=$BUILD/bench-module/$k
	rm -rf "$mod"
	mkdir -p "$mod"
	cp "$TOP"/bench/kho_bench/kho_bench.c "$TOP"/bench/kho_bench/Kbuild "$mod"/
	run_logged "$mod/build.log" make -C "$KOUT/$k" M="$mod" CC="ccache gcc" -j"$JOBS" modules
	"$TOP/vm/mkinitramfs.sh" "$BUILD/initramfs-bench-$k.cpio" "$KOUT/$k" \
		bzImage="$KOUT/$k/arch/x86/boot/bzImage" kho_bench.ko="$mod/kho_bench.ko"
done

echo "kernel,vm_run,case,threads,pages,preserve_ns_per_page,unpreserve_ns_per_page,rep" >"$csv"
for r in $(seq 1 "$runs"); do
	for k in $kernels; do
		log=$LOGS/bench-$k-$r-serial.log
		msg "bench: run $r/$runs, $k kernel"
		"$TOP/vm/run.sh" -t 1800 -m 2G "$log" "$KOUT/$k/arch/x86/boot/bzImage" \
			"$BUILD/initramfs-bench-$k.cpio" bench \
			khotest.bench_args="blocks=$blocks,reps=$reps" >/dev/null
		sed -n 's/^khotest: bench: case=\([a-z-]*\) threads=\([0-9]*\) pages=\([0-9]*\) preserve_ns_per_page=\([0-9.]*\) unpreserve_ns_per_page=\([0-9.]*\) rep=\([0-9]*\)$/\1,\2,\3,\4,\5,\6/p' "$log.khotest" |
			sed "s/^/$k,$r,/" >>"$csv"
	done
done

echo "kernel,vm_run,case,pages,tree_pages,tree_pages_left" >"$mcsv"
for r in $(seq 1 "$runs"); do
	for c in $mem_cases; do
		for k in stock patched; do
			log=$LOGS/bench-$k-memory-$c-$r-serial.log
			msg "bench: memory of case $c, run $r/$runs, $k kernel"
			"$TOP/vm/run.sh" -t 600 -m 2G "$log" "$KOUT/$k/arch/x86/boot/bzImage" \
				"$BUILD/initramfs-bench-$k.cpio" bench \
				khotest.bench_args="blocks=$blocks,memory=$c" >/dev/null
			sed -n 's/^khotest: bench: memory case=\([a-z-]*\) pages=\([0-9]*\) tree_pages=\(-\?[0-9]*\) tree_pages_left=\(-\?[0-9]*\)$/\1,\2,\3,\4/p' \
				"$log.khotest" | sed "s/^/$k,$r,/" >>"$mcsv"
		done
	done
done

conditions="$(date -u '+%Y-%m-%d %H:%M UTC'); $(qemu-system-x86_64 --version | head -n 1); host: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); series at $(git -C "$TREE" rev-parse --short HEAD), base $(git -C "$TREE" rev-parse --short base); configs/kho.config"
/usr/bin/python3 - "$csv" "$md" "$accel" "$(nproc)" "$runs" "$reps" "$conditions" "$base.dat" "$mcsv" "$variants" <<'PY'
import csv, math, statistics, sys
path, md, accel, ncpu, runs, reps, conditions, dat, mpath, variants = sys.argv[1:]
variants = variants.split()
rows = list(csv.DictReader(open(path)))
if not rows:
    sys.exit("bench: no measurements in " + path)
data = {}
for r in rows:
    key = (r["kernel"], r["case"], int(r["threads"]))
    data.setdefault(key, []).append((float(r["preserve_ns_per_page"]),
                                     float(r["unpreserve_ns_per_page"])))
def med(k, i):
    v = [x[i] for x in data.get(k, [])]
    return (statistics.median(v), min(v), max(v)) if v else None
cases = sorted({(c, t) for (_, c, t) in data})
out = ["| case | threads | op | stock ns/page (min-max) | ours ns/page (min-max) | ours/stock |",
       "|---|---|---|---|---|---|"]
for c, t in cases:
    for i, op in ((0, "preserve"), (1, "unpreserve")):
        s, p = med(("stock", c, t), i), med(("patched", c, t), i)
        if not s or not p:
            continue
        f = lambda x: f"{x:.0f}" if x >= 10 else f"{x:.2f}"
        ratio = f"{p[0]/s[0]:.2f}" if s[0] else "n/a"
        out.append(f"| {c} | {t} | {op} | {f(s[0])} ({f(s[1])}-{f(s[2])}) | {f(p[0])} ({f(p[1])}-{f(p[2])}) | {ratio} |")
def ranksum(a, b):
    """P(a sample of a is below one of b), and the two-sided p of the
    Mann-Whitney U test (normal approximation, no tie correction)."""
    n, m = len(a), len(b)
    u = sum((x < y) + 0.5 * (x == y) for x in a for y in b)
    z = (u - n * m / 2) / math.sqrt(n * m * (n + m + 1) / 12)
    return u / (n * m), math.erfc(abs(z) / math.sqrt(2))
for v in variants:
    out += ["", f"Ours against the variant {v} (bench/variants/{v}.patch), same runs. "
            f"P(ours faster): the share of (ours, {v}) sample pairs where ours took less time; "
            "p: Mann-Whitney U test, two-sided; beyond noise: p < 0.01 "
            "(the samples of one VM run are not independent: read p as a guide):", "",
            f"| case | threads | op | ours ns/page (min-max) | {v} ns/page (min-max) | ours/{v} | P(ours faster) | p | beyond noise |",
            "|---|---|---|---|---|---|---|---|---|"]
    for c, t in cases:
        for i, op in ((0, "preserve"), (1, "unpreserve")):
            p, w = med(("patched", c, t), i), med(("bench-" + v, c, t), i)
            if not p or not w:
                continue
            f = lambda x: f"{x:.0f}" if x >= 10 else f"{x:.2f}"
            ratio = f"{p[0]/w[0]:.2f}" if w[0] else "n/a"
            sup, pv = ranksum([x[i] for x in data[("patched", c, t)]],
                              [x[i] for x in data[("bench-" + v, c, t)]])
            out.append(f"| {c} | {t} | {op} | {f(p[0])} ({f(p[1])}-{f(p[2])}) | "
                       f"{f(w[0])} ({f(w[1])}-{f(w[2])}) | {ratio} | {sup:.2f} | {pv:.4f} | "
                       f"{'yes' if pv < 0.01 else 'no'} |")
out += ["", "| case | op | stock 2-thread speed-up | ours 2-thread speed-up |", "|---|---|---|---|"]
for c in sorted({c for c, _ in cases}):
    for i, op in ((0, "preserve"), (1, "unpreserve")):
        sp = []
        for k in ("stock", "patched"):
            one, two = med((k, c, 1), i), med((k, c, 2), i)
            sp.append(f"{one[0]/two[0]:.2f}x" if one and two and two[0] else "n/a")
        out.append(f"| {c} | {op} | {sp[0]} | {sp[1]} |")
with open(dat, "w") as f:
    for c, t in cases:
        if t != 1 or c == "no-kho":
            continue
        v = [med((k, c, 1), i) for k in ("stock", "patched") for i in (0, 1)]
        if all(v):
            f.write(f"{c} {v[0][0]:.3f} {v[2][0]:.3f} {v[1][0]:.3f} {v[3][0]:.3f}\n")
mem = {}
for r in csv.DictReader(open(mpath)):
    mem.setdefault((r["kernel"], r["case"]), []).append(r)
mcases = [c for c in ("contig", "scattered", "folio", "mixed", "range")
          if ("stock", c) in mem or ("patched", c) in mem]
if not all(("stock", c) in mem and ("patched", c) in mem for c in mcases) or not mcases:
    sys.exit("bench: a memory run printed no figures; see " + mpath)
def kib(k, c, field):
    v = [int(r[field]) * 4 for r in mem[(k, c)]]
    m = statistics.median(v)
    return m, (f"{m:.0f} KiB" if len(v) == 1 else f"{m:.0f} KiB ({min(v)}-{max(v)})")
out += ["", "Tracker memory: KiB the page allocator handed out and did not get back (net), "
        f"median (min-max) of {runs} fresh VMs per case and kernel:", "",
        "| case | pages preserved | stock, preserved | ours, preserved | stock, after unpreserving all | ours, after unpreserving all |",
        "|---|---|---|---|---|---|"]
for c in mcases:
    out.append(f"| {c} | {mem[('patched', c)][0]['pages']} | {kib('stock', c, 'tree_pages')[1]} | "
               f"{kib('patched', c, 'tree_pages')[1]} | {kib('stock', c, 'tree_pages_left')[1]} | "
               f"{kib('patched', c, 'tree_pages_left')[1]} |")
head = (f"Tracker benchmark: one public-API call per page (per unit for mixed, per 4 MiB block for range); median of "
        f"{runs} VM runs x {reps} repetitions per kernel, runs alternating stock/ours"
        + "".join(f"/{v}" for v in variants) + "; "
        f"QEMU {accel}, 2 vCPUs, host with {ncpu} CPUs. Speed-up = ns/page with 1 thread "
        f"over ns/page with 2 (time of the slower thread / all pages).")
text = head + "\n\nMeasured " + conditions + ".\n\n" + "\n".join(out) + "\n"
open(md, "w").write(text)
print(text)
PY
if [ -s "$base.dat" ]; then
	gnuplot <<GP
set terminal pngcairo size 900,550
set output "$base.png"
set title "KHO tracker, ns per page, one thread (QEMU $accel; lower is better)"
set style data histogram
set style histogram cluster gap 1
set style fill solid border -1
set ylabel "ns per page (log scale)"
set key above
set logscale y
set yrange [0.05:*]
plot "$base.dat" using 2:xtic(1) title "stock $BASE_SERIES, preserve", \\
     "" using 3 title "ours, preserve", \\
     "" using 4 title "stock $BASE_SERIES, unpreserve", \\
     "" using 5 title "ours, unpreserve"
GP
fi
msg "bench: results in $csv, $mcsv, $md and $base.png"
