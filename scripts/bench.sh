#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: time KHO's preservation tracker, stock 7.2 against the series,
# through the public API only (bench/kho_bench, built against each kernel),
# in identical VMs run alternately on this machine.
#
#   bench.sh [--smoke]
#
# BENCH_RUNS VM runs per kernel (default 3), each repeating every case
# BENCH_REPS times (default 3) over BENCH_BLOCKS 4 MiB blocks (default 128,
# i.e. 131072 pages per case). --smoke runs one tiny round: it checks the
# harness, not the numbers. Results: bench/results/tracker-DATE-ACCEL.{csv,md}
# (the smoke run writes under build/ instead) and a table on stdout.
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
csv=$res/tracker-$stamp-$accel.csv md=$res/tracker-$stamp-$accel.md

"$TOP/scripts/deps.sh"
"$TOP/scripts/series.sh" apply
"$TOP/scripts/series.sh" stock
"$TOP/scripts/build-kernel.sh" "$TREE" "$KOUT/patched"
"$TOP/scripts/build-kernel.sh" "$BUILD/stock" "$KOUT/stock"

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
for k in stock patched; do
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
	for k in stock patched; do
		log=$LOGS/bench-$k-$r-serial.log
		msg "bench: run $r/$runs, $k kernel"
		"$TOP/vm/run.sh" -t 1800 -m 2G "$log" "$KOUT/$k/arch/x86/boot/bzImage" \
			"$BUILD/initramfs-bench-$k.cpio" bench \
			khotest.bench_args="blocks=$blocks,reps=$reps" >/dev/null
		sed -n 's/^khotest: bench: case=\([a-z-]*\) threads=\([0-9]*\) pages=\([0-9]*\) preserve_ns_per_page=\([0-9]*\) unpreserve_ns_per_page=\([0-9]*\) rep=\([0-9]*\)$/\1,\2,\3,\4,\5,\6/p' "$log" |
			sed "s/^/$k,$r,/" >>"$csv"
	done
done

conditions="$(date -u '+%Y-%m-%d %H:%M UTC'); $(qemu-system-x86_64 --version | head -n 1); host: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1); series at $(git -C "$TREE" rev-parse --short HEAD), base $(git -C "$TREE" rev-parse --short base); configs/kho.config"
/usr/bin/python3 - "$csv" "$md" "$accel" "$(nproc)" "$runs" "$reps" "$conditions" <<'PY'
import csv, statistics, sys
path, md, accel, ncpu, runs, reps, conditions = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
if not rows:
    sys.exit("bench: no measurements in " + path)
data = {}
for r in rows:
    key = (r["kernel"], r["case"], int(r["threads"]))
    data.setdefault(key, []).append((int(r["preserve_ns_per_page"]),
                                     int(r["unpreserve_ns_per_page"])))
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
        out.append(f"| {c} | {t} | {op} | {s[0]:.0f} ({s[1]}-{s[2]}) | {p[0]:.0f} ({p[1]}-{p[2]}) | {p[0]/s[0]:.2f} |")
out += ["", "| case | op | stock 2-thread speed-up | ours 2-thread speed-up |", "|---|---|---|---|"]
for c in sorted({c for c, _ in cases}):
    for i, op in ((0, "preserve"), (1, "unpreserve")):
        sp = []
        for k in ("stock", "patched"):
            one, two = med((k, c, 1), i), med((k, c, 2), i)
            sp.append(f"{one[0]/two[0]:.2f}x" if one and two and two[0] else "n/a")
        out.append(f"| {c} | {op} | {sp[0]} | {sp[1]} |")
head = (f"Tracker benchmark: order-0 pages, one public-API call per page; median of "
        f"{runs} VM runs x {reps} repetitions per kernel, runs alternating stock/ours; "
        f"QEMU {accel}, 2 vCPUs, host with {ncpu} CPUs. Speed-up = ns/page with 1 thread "
        f"over ns/page with 2 (time of the slower thread / all pages).")
text = head + "\n\nMeasured " + conditions + ".\n\n" + "\n".join(out) + "\n"
open(md, "w").write(text)
print(text)
PY
msg "bench: results in $csv and $md"
