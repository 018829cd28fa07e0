#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Successor boot time against the number of separate preserved ranges:
# stock (the base) vs ours, in identical VMs, timed on the host's clock.
#
#   bench-boot.sh [--smoke]
#
# For each N in BENCH_BOOT_N and each pattern, the first kernel preserves N
# order-0 pages with one kho_preserve_pages() call each (tests/kho_scatter):
#   scattered  every other page of 4 MiB blocks: N separate ranges
#   contig     side by side: a few long runs
# then kexecs into the same kernel, which restores every page (headers
# checked) so that each point is also a correctness check.
#
# What is timed: two spans of the successor's boot. Since 7.3, KHO's early
# part (kho_memory_init_early(): our check of the handed-over state, and on
# both kernels the scratch extension, which walks the tree) runs between
# setup_arch()'s last line and "Zone ranges:" (free_area_init()), and the
# reservation between "mem auto-init:" and "SLUB:", once memblock has handed
# memory to the buddy allocator. Early printk sends every line to the serial
# port as it is printed, and vm/run.sh stamps each line with the host's clock
# when it arrives. The kernel's own clock cannot be used: it does not run yet
# at that point under QEMU TCG, so printk timestamps leave the whole KHO walk
# out. The successor's KHO time is the sum of both spans minus the same sum
# with nothing preserved (N = 0, the module's one-page list head only).
# The patched kernel also reports its own time in its "KHO: reserved" line
# (cycles of the check and the reservation, and of the check alone,
# converted with the TSC frequency it detects later). For the
# largest N a debug build (CONFIG_KEXEC_HANDOVER_DEBUG) also times a bare
# pass over the tree that only tags the head pages, without memblock: the
# floor of the reserving pass.
#
# The first kernel says "kexec: loading" and "kexec: loaded" around its
# `kexec -s -l`, so the host also times the load with the tree in place.
#
# A stock point is skipped when its predicted time (quadratic in N from the
# last point measured) exceeds BENCH_BOOT_BUDGET seconds; the table says so.
# Results: bench/results/boot-<date>-<accel>.{csv,md,png} (and .tree, the git
# tree hash of the series measured); --smoke runs two
# small points with both kernels into build/bench-smoke and checks that every
# figure was found.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

smoke=0 report=
case "${1:-}" in
--smoke) smoke=1 ;;
--report) report=${2:?usage: $0 --report RESULTS.csv} ;;
esac
tag=
if [ $smoke = 1 ]; then
	sizes=${BENCH_BOOT_N:-"0 4096"} patterns="scattered" mem=2G
	outdir=$BUILD/bench-smoke tag=-smoke
else
	sizes=${BENCH_BOOT_N:-"0 1024 4096 16384 65536 262144 1048576"}
	patterns="scattered contig" mem=${BENCH_BOOT_MEM:-12G}
	outdir=$TOP/bench/results
fi
budget=${BENCH_BOOT_BUDGET:-600}
accel=${KHO_ACCEL:-tcg}
stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
base=$outdir/boot-$stamp-$accel
[ -z "$report" ] || base=${report%.csv}
csv=$base.csv
mkdir -p "$outdir"

if [ -z "$report" ]; then
git -C "$TREE" rev-parse --short "HEAD^{tree}" >"$base.tree"

"$TOP/scripts/deps.sh"
"$TOP/scripts/series.sh" apply
"$TOP/scripts/series.sh" stock
kernels=(stock patched)
"$TOP/scripts/build-kernel.sh" "$TREE" "$KOUT/patched"
"$TOP/scripts/build-kernel.sh" "$STOCK_TREE" "$KOUT/stock"
if [ $smoke = 0 ]; then
	build_debug
	kernels+=(patched-debug)
fi
for k in "${kernels[@]}"; do
	scatter_initramfs "$k" >/dev/null
done

# successor_figures LOG: "<span>,<own>,<bare>,<walk>,<after>,<load>,<early>,
# <check>" in ms for the last boot in LOG: span from "mem auto-init:" to
# "SLUB:"; own the time the kernel's "KHO: reserved" line gives (the check
# and the reservation) and check the check's part of it; bare and walk the
# floors a CONFIG_KEXEC_HANDOVER_DEBUG kernel prints; after the host time
# from the "KHO: reserved" line to "SLUB:"; load the first kernel's kexec -s
# -l; early the span from the line before "Zone ranges:" to it. Each is
# empty where the kernel printed no such line.
successor_figures() {
	awk '
	/Linux version/ { boot++; t0 = t1 = tk = own = bare = walk = mhz = e0 = e1 = chk = "" }
	/ khotest: kexec: loading/ { l0 = $1 }
	/ khotest: kexec: loaded/ { l1 = $1 }
	/ Zone ranges:/ && e1 == "" { e0 = prev; e1 = $1 }
	{ prev = $1 }
	/ mem auto-init:/ { t0 = $1 }
	/ SLUB: / && t0 != "" && t1 == "" { t1 = $1 }
	/ KHO: reserved .* preserved pages/ {
		own = $0; tk = $1
		if (match($0, /checking took [0-9]+ (cycles|us)/))
			chk = substr($0, RSTART + 14, RLENGTH - 14)
	}
	/ KHO: debug: a pass that also tags the head pages/ { bare = $0 }
	/ KHO: debug: a pass that only walks the tree/ { walk = $0 }
	/ tsc: Detected [0-9.]* MHz/ { for (i = 1; i < NF; i++) if ($(i + 1) == "MHz") mhz = $i }
	function ms(line,   n, f) {
		if (line == "") return ""
		n = split(line, f, " ")
		for (i = 1; i < n; i++) {
			if (f[i + 1] ~ /^cycles/ && mhz != "") return sprintf("%.3f", f[i] / mhz / 1000)
			if (f[i + 1] ~ /^us/) return sprintf("%.3f", f[i] / 1000)
		}
		return ""
	}
	END {
		if (boot < 2 || t0 == "" || t1 == "" || e1 == "") exit 1
		after = tk == "" ? "" : sprintf("%.3f", (t1 - tk) * 1000)
		load = l0 == "" || l1 == "" ? "" : sprintf("%.1f", (l1 - l0) * 1000)
		printf "%.3f,%s,%s,%s,%s,%s,%.3f,%s\n", (t1 - t0) * 1000, ms(own), ms(bare), ms(walk),
			after, load, (e1 - e0) * 1000, ms(chk == "" ? "" : "x " chk)
	}' "$1.host"
}

echo "kernel,pattern,n,span_ms,own_ms,bare_ms,walk_ms,after_ms,kexec_load_ms,early_ms,check_ms,qemu_s" >"$csv"
failed=0
declare -A last_n last_ms
for pattern in $patterns; do
	for n in $sizes; do
		for k in "${kernels[@]}"; do
			if [ "$k" = patched-debug ] && [ "$n" != "${sizes##* }" ]; then
				continue
			fi
			if [ "$k" = stock ] && [ -n "${last_n[$pattern]:-}" ] && [ "${last_n[$pattern]}" -gt 0 ]; then
				predicted=$(echo "${last_ms[$pattern]} * ($n / ${last_n[$pattern]})^2 / 1000" | bc -l)
				if [ "$(echo "$predicted > $budget" | bc)" = 1 ]; then
					printf 'bench-boot: %s %s N=%s skipped: predicted %.0f s > budget %s s\n' \
						"$k" "$pattern" "$n" "$predicted" "$budget"
					echo "$k,$pattern,$n,skipped,,,,,,,," >>"$csv"
					continue
				fi
			fi
			log=$LOGS/bench-boot$tag-$k-$pattern-$n-serial.log
			msg "bench-boot: $k, $pattern, N=$n ($mem)"
			args="$pattern=$n,fill=0"
			[ "$n" = 0 ] && args="fill=0"
			"$TOP/vm/run.sh" -t 3600 -m "$mem" "$log" "$KOUT/$k/arch/x86/boot/bzImage" \
				"$BUILD/initramfs-scatter-$k.cpio" scatter \
				khotest.scatter="$args" khotest.scatter_restore=verify=0 >/dev/null &&
				fig=$(successor_figures "$log") || {
				warn "bench-boot: the $k handover of N=$n $pattern pages failed; see $log"
				echo "$k,$pattern,$n,failed,,,,,,,," >>"$csv"
				failed=1
				continue
			}
			echo "$k,$pattern,$n,$fig,$(cat "$log.seconds")" >>"$csv"
			info "$k $pattern N=$n: span,own,bare,walk,after,load,early,check ms = $fig"
			if [ "$k" = stock ]; then
				last_n[$pattern]=$n
				last_ms[$pattern]=${fig%%,*}
			fi
		done
	done
done

else
	failed=0
fi

# The table: KHO time = span - span at N = 0, per kernel and pattern.
python3 - "$csv" "$base.md" "$accel" "$mem" "$(nproc)" "$(cat "$base.tree" 2>/dev/null || echo unknown)" <<'EOF'
import csv, sys
path, md, accel, mem, cpus, head = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
span = {}
own, res, bare, walk = {}, {}, {}, {}
for r in rows:
    key = (r['kernel'], r['pattern'], int(r['n']))
    # Both spans: "mem auto-init:" to "SLUB:", and (since 7.3) the early
    # one around kho_memory_init_early(); a CSV from before has no early one.
    span[key] = None if r['span_ms'] in ('skipped', 'failed') else \
        float(r['span_ms']) + float(r.get('early_ms') or 0)
    # The "KHO: reserved" line's time includes the check's.
    if r['own_ms']:
        own[key] = float(r['own_ms'])
        res[key] = own[key] - float(r.get('check_ms') or 0)
    if r['bare_ms']:
        bare[key] = float(r['bare_ms'])
    if r.get('walk_ms'):
        walk[key] = float(r['walk_ms'])
def kho(k, p, n):
    base = span.get((k, p, 0)) or span.get((k, 'scattered', 0))
    v = span.get((k, p, n))
    return None if v is None or base is None else max(v - base, 0.0)
out = ['| pattern | N pages | stock KHO ms | ours KHO ms | stock / ours | ours, own line ms |',
       '|---|---:|---:|---:|---:|---:|']
plot = []
for p in ['scattered', 'contig']:
    for n in sorted({k[2] for k in span if k[1] == p and k[2] > 0}):
        s, o = kho('stock', p, n), kho('patched', p, n)
        fmt = lambda v: 'skipped/failed' if v is None else '%.1f' % v
        ratio = ('n/a' if s is None else '-') if s is None or not o else \
            '%.0fx' % (s / o) if s / o >= 10 else '%.1fx' % (s / o)
        ol = own.get(('patched', p, n))
        out.append('| %s | %d | %s | %s | %s | %s |' % (p, n, fmt(s), fmt(o), ratio,
                   '%.1f' % ol if ol is not None else '-'))
        plot.append('%s %d %s %s %s' % (p, n, '%.3f' % s if s is not None else 'NaN',
                                         '%.3f' % o if o is not None else 'NaN',
                                         '%.3f' % ol if ol is not None else 'NaN'))
notes = []
big = max([k[2] for k in span if k[0] == 'patched'] + [0])
for p in ['scattered', 'contig']:
    d, o = ('patched-debug', p, big), ('patched', p, big)
    if d in bare and o in res:
        notes.append('- %s, N=%d: ours checks in %.1f ms and reserves in %.1f ms (its own line). '
                     'The floors, timed by '
                     'the debug build in another boot, before its own reserving pass: a walk of '
                     'the tree %.1f ms; the walk plus the head page tags, no memblock, %.1f ms. '
                     'Reserving = %.2fx that floor.'
                     % (p, big, own[o] - res[o], res[o], walk.get(d, float('nan')), bare[d],
                        res[o] / bare[d]))
aft = {}
for r in rows:
    if r.get('after_ms'):
        aft[(r['kernel'], r['pattern'], int(r['n']))] = float(r['after_ms'])
a_s, a_c = aft.get(('patched', 'scattered', big)), aft.get(('patched', 'contig', big))
if a_s is not None and a_c is not None:
    notes.append('- after its own pass, from the "KHO: reserved" line to "SLUB:" (memblock_free_all() and '
                 'the rest of mm_core_init() before slab): %.1f ms with %d scattered pages, %.1f ms with %d '
                 'contiguous ones.' % (a_s, big, a_c, big))
load = {}
for r in rows:
    if r.get('kexec_load_ms'):
        load[(r['kernel'], r['pattern'], int(r['n']))] = float(r['kexec_load_ms'])
for p in ['scattered', 'contig']:
    ns = sorted(n for (k, q, n) in load if q == p and ('stock', p, n) in load and ('patched', p, n) in load)
    if ns:
        n = ns[-1]
        notes.append('- `kexec -s -l` (host clock, kernel and initramfs included) with %d %s pages '
                     'preserved: stock %.0f ms, ours %.0f ms; with none: stock %s ms, ours %s ms.'
                     % (n, p, load[('stock', p, n)], load[('patched', p, n)],
                        '%.0f' % load[('stock', p, 0)] if ('stock', p, 0) in load else '-',
                        '%.0f' % load[('patched', p, 0)] if ('patched', p, 0) in load else '-'))
s1, c1 = kho('patched', 'scattered', big), kho('patched', 'contig', big)
o1, oc = own.get(('patched', 'scattered', big)), own.get(('patched', 'contig', big))
if s1 is not None and c1:
    notes.append('- ours, N=%d, scattered vs contiguous: %.1f vs %.1f ms of KHO time (%.1fx); '
                 'own lines %.1f vs %.1f ms (%.1fx).' % (big, s1, c1, s1 / c1, o1, oc, o1 / oc))
with open(md, 'w') as f:
    f.write('Successor KHO time (host clock: the span from the line before "Zone ranges:" to it, '
            'around kho_memory_init_early(), plus the span from "mem auto-init:" to "SLUB:", minus the '
            'same with nothing preserved; "own line" is the check plus the reservation), QEMU %s, %s, 2 vCPUs, %s host CPUs; kernel source tree %s (git tree hash of the series).\n\n'
            % (accel.upper(), mem, cpus, head))
    f.write('\n'.join(out) + '\n\n' + '\n'.join(notes) + ('\n' if notes else ''))
with open(md[:-3] + '.dat', 'w') as f:
    f.write('\n'.join(plot) + '\n')
EOF
cat "$base.md"

if [ $smoke = 1 ]; then
	[ $failed = 0 ] || die "bench-boot: some handovers failed (see the warnings above and $csv)"
	# Every run must have given its span, and ours its own line.
	awk -F, 'NR > 1 && ($4 == "" || $9 == "" || $10 == "" ||
		($1 == "patched" && $3 > 0 && ($5 == "" || $11 == ""))) { bad = 1 }
		END { exit bad }' "$csv" || die "bench-boot: figures missing in $csv"
	exit 0
fi

need gnuplot
gnuplot <<EOF
set terminal pngcairo size 900,600
set output "$base.png"
set title "Successor KHO time vs separate preserved pages (QEMU $accel, $mem)"
set logscale xy
set xlabel "order-0 pages preserved (one call each)"
set ylabel "successor KHO time, ms (host clock)"
set key top left
set grid
plot "< grep ^scattered $base.dat" using 2:3 with linespoints title "stock $BASE_SERIES, scattered", \
     "< grep ^scattered $base.dat" using 2:4 with linespoints title "ours, scattered", \
     "< grep ^contig $base.dat" using 2:3 with linespoints title "stock $BASE_SERIES, contiguous", \
     "< grep ^contig $base.dat" using 2:4 with linespoints title "ours, contiguous", \
     "< grep ^scattered $base.dat" using 2:5 with linespoints dashtype 2 title "ours, scattered, own log line", \
     "< grep ^contig $base.dat" using 2:5 with linespoints dashtype 2 title "ours, contiguous, own log line"
EOF
msg "bench-boot: $base.{csv,md,png}"
[ $failed = 0 ] || die "bench-boot: some handovers failed (see the warnings above and $csv)"
