// SPDX-License-Identifier: GPL-2.0
/*
 * kho_bench - time KHO's preservation tracker through its public API
 *
 * Built out of tree against both the stock 7.2 kernel and the patched one
 * (bench/kho_bench/Makefile), so it uses only what both export:
 * kho_preserve_pages(), kho_unpreserve_pages(), kho_preserve_folio() and
 * kho_unpreserve_folio(). Loading it runs every case and prints one line
 * per measurement:
 *
 *   kho_bench: case=<name> threads=<n> pages=<n> preserve_ns_per_page=<x>
 *              unpreserve_ns_per_page=<x> rep=<i>
 *
 * Cases, over 4 MiB blocks:
 *   contig    - consecutive order-0 pages, one kho_preserve_pages(page, 1)
 *               each
 *   scattered - every other page of the same blocks, the same way
 *   folio     - consecutive pages, as order-0 folios
 *   mixed     - each block as units of orders 9, 8, ..., 1, 0, 0: one
 *               kho_preserve_pages() of 512, 256, ..., 1, 1 pages each
 *   range     - each block in one kho_preserve_pages(block, 1024)
 *   no-kho    - the loop over consecutive pages without calling KHO: the
 *               floor of the figures, and the best two-thread speed-up
 *               this machine (or emulator) allows
 * each with one thread doing all pages and with two threads, bound to CPUs
 * 0 and 1, each doing the pages of every other block. Times are per page,
 * in ns with three decimals (a range costs well under a nanosecond a page).
 * mixed and range make few calls, so each of their measurements sums
 * several passes over the blocks (passes()), and pages= counts them all.
 * The module stays loaded so that its memory is not handed back while the
 * tree is in use; every preservation is dropped before init returns.
 *
 * With memory=<case>, it instead preserves and unpreserves that one case
 * once, with one thread, and prints what the tracker kept of the page
 * allocator's memory:
 *
 *   kho_bench: memory case=<name> pages=<n> tree_pages=<n> tree_pages_left=<n>
 *
 * tree_pages is the net count of pages the page allocator handed out while
 * the case was preserved (pages allocated minus pages freed, from the
 * PGALLOC and PGFREE events, counted by the preserving thread around its
 * loop alone). tree_pages_left adds the same count over the unpreserving
 * loop and over the %MEMORY_SETTLE_MS after it, so that a tracker that
 * frees its empty nodes later (ours prunes a second after a leaf empties)
 * is counted as it settles. Both trackers take their nodes from the page
 * allocator, one page each; anything else the kernel allocates meanwhile
 * is counted too (a few pages at most on an idle guest). A tracker may keep
 * nodes it no longer needs and reuse them for the next case: run each case
 * in a fresh boot.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/timex.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/kexec_handover.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/vmstat.h>

#define BLOCK_ORDER	10
#define BLOCK_PAGES	(1UL << BLOCK_ORDER)

static unsigned int blocks = 128;	/* 512 MiB */
module_param(blocks, uint, 0444);
MODULE_PARM_DESC(blocks, "4 MiB blocks to preserve pages in (even)");

static unsigned int reps = 3;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "repetitions of every case");

enum pattern { CONTIG, SCATTERED, FOLIO, MIXED, RANGE, NOKHO };
static const char * const pattern_name[] = {
	"contig", "scattered", "folio", "mixed", "range", "no-kho"
};

static char *memory;
module_param(memory, charp, 0444);
MODULE_PARM_DESC(memory, "only count the tracker's pages for this case");

static struct page **block;

/*
 * Time is counted in TSC cycles: under QEMU TCG the kernel may find no
 * clocksource better than jiffies (4 ms at HZ=250), while the TSC follows
 * the host's clock. Cycles per microsecond are calibrated against ktime
 * over a long enough interval (see kho_bench_calibrate()).
 */
static u64 cycles_per_us;

static u64 now_ns(void)
{
	return div64_u64((u64)get_cycles() * 1000, cycles_per_us);
}

static void kho_bench_calibrate(void)
{
	u64 c0, t0, ns;

	t0 = ktime_get_ns();
	c0 = get_cycles();
	msleep(1000);
	ns = ktime_get_ns() - t0;
	cycles_per_us = max_t(u64, 1, div64_u64(((u64)get_cycles() - c0) * 1000, ns));
}

struct job {
	enum pattern pattern;
	unsigned int first, step;	/* blocks first, first + step, ... */
	bool unpreserve;
	struct completion *start;
	struct completion done;
	unsigned long pages;
	u64 ns;
	unsigned long sink;
	int err;
};

/*
 * Pages the page allocator has handed out and not had back, since boot,
 * over all CPUs and zones (one PGALLOC event per page allocated, one PGFREE
 * per page freed, whatever the order).
 */
static long net_allocated_pages(void)
{
	static unsigned long ev[NR_VM_EVENT_ITEMS];
	unsigned long alloc = 0;
	int zid;

	all_vm_events(ev);
	for (zid = 0; zid < MAX_NR_ZONES; zid++)
		alloc += ev[PGALLOC_NORMAL - ZONE_NORMAL + zid];
	return alloc - ev[PGFREE];
}

/* A block as units of orders BLOCK_ORDER - 1 down to 0, and one more 0. */
static int run_block_mixed(struct job *j, struct page *base)
{
	unsigned long off = 0, nr;
	int order, err = 0;

	for (order = BLOCK_ORDER - 1; order >= -1 && !err; order--) {
		nr = 1UL << max(order, 0);
		if (j->unpreserve)
			kho_unpreserve_pages(base + off, nr);
		else
			err = kho_preserve_pages(base + off, nr);
		off += nr;
	}
	j->pages += err ? 0 : BLOCK_PAGES;
	return err;
}

static int run_block(struct job *j, struct page *base)
{
	unsigned long i, stride = j->pattern == SCATTERED ? 2 : 1;
	int err = 0;

	if (j->pattern == MIXED)
		return run_block_mixed(j, base);
	if (j->pattern == RANGE) {
		if (j->unpreserve)
			kho_unpreserve_pages(base, BLOCK_PAGES);
		else
			err = kho_preserve_pages(base, BLOCK_PAGES);
		j->pages += err ? 0 : BLOCK_PAGES;
		return err;
	}

	for (i = 0; i < BLOCK_PAGES; i += stride) {
		struct page *page = base + i;

		if (j->pattern == NOKHO) {
			/* The loop alone: what two CPUs can do at best. */
			j->sink += READ_ONCE(page->flags.f);
		} else if (j->pattern == FOLIO) {
			if (j->unpreserve)
				kho_unpreserve_folio(page_folio(page));
			else
				err = kho_preserve_folio(page_folio(page));
		} else {
			if (j->unpreserve)
				kho_unpreserve_pages(page, 1);
			else
				err = kho_preserve_pages(page, 1);
		}
		if (err)
			return err;
		j->pages++;
	}
	return 0;
}

static int job_fn(void *data)
{
	struct job *j = data;
	unsigned int b;
	u64 t0;

	if (j->start)
		wait_for_completion(j->start);
	t0 = now_ns();
	for (b = j->first; b < blocks && !j->err; b += j->step)
		j->err = run_block(j, block[b]);
	j->ns = now_ns() - t0;
	if (j->start)
		complete(&j->done);
	return 0;
}

/* Run @pattern over all blocks with @threads threads; return the wall time. */
static u64 run(enum pattern pattern, unsigned int threads, bool unpreserve,
	       unsigned long *pages)
{
	DECLARE_COMPLETION_ONSTACK(start);
	struct job job[2] = {};
	bool failed = false;
	unsigned int t;
	u64 ns;

	*pages = 0;
	for (t = 0; t < threads; t++) {
		struct task_struct *task;

		job[t] = (struct job){ .pattern = pattern, .first = t,
				       .step = threads, .unpreserve = unpreserve,
				       .start = &start };
		init_completion(&job[t].done);
		task = kthread_create(job_fn, &job[t], "kho_bench/%u", t);
		if (IS_ERR(task)) {
			/* Release the threads already waiting on @start. */
			pr_err("kho_bench: cannot start thread %u\n", t);
			threads = t;
			failed = true;
			break;
		}
		kthread_bind(task, t % num_online_cpus());
		wake_up_process(task);
	}
	complete_all(&start);
	for (t = 0; t < threads; t++)
		wait_for_completion(&job[t].done);
	/*
	 * The time of the slowest thread, each timed from when it starts:
	 * waking threads up costs milliseconds under emulation, and that is
	 * not the tracker's.
	 */
	ns = 0;
	for (t = 0; t < threads; t++) {
		ns = max(ns, job[t].ns);
		if (job[t].err)
			pr_err("kho_bench: %s thread %u failed: %d\n",
			       pattern_name[pattern], t, job[t].err);
		*pages += job[t].pages;
	}
	if (failed)
		*pages = 0;
	return ns;
}

#define MEMORY_SETTLE_MS	3000

/* memory=<case>: the tracker's pages for that case, and after it. */
static int kho_bench_memory(void)
{
	long tree, left, settle;
	unsigned long pages;
	struct job job;
	int p;

	if (!IS_ENABLED(CONFIG_VM_EVENT_COUNTERS)) {
		pr_err("kho_bench: memory= needs CONFIG_VM_EVENT_COUNTERS\n");
		return -EOPNOTSUPP;
	}
	p = match_string(pattern_name, ARRAY_SIZE(pattern_name), memory);
	if (p < 0 || p == NOKHO) {
		pr_err("kho_bench: memory=%s is no case of the tracker\n", memory);
		return -EINVAL;
	}
	/*
	 * In this thread, not in a kthread as run() does: a thread's stack
	 * and task are freed after it exits, in the window counted below.
	 */
	job = (struct job){ .pattern = p, .step = 1 };
	tree = net_allocated_pages();
	job_fn(&job);
	tree = net_allocated_pages() - tree;
	pages = job.pages;
	if (job.err || !pages)
		return -EIO;
	job = (struct job){ .pattern = p, .step = 1, .unpreserve = true };
	left = net_allocated_pages();
	job_fn(&job);
	left = net_allocated_pages() - left;
	if (pages != job.pages)
		return -EIO;
	settle = net_allocated_pages();
	msleep(MEMORY_SETTLE_MS);
	settle = net_allocated_pages() - settle;
	pr_info("kho_bench: memory case=%s pages=%lu tree_pages=%ld tree_pages_left=%ld\n",
		pattern_name[p], pages, tree, tree + left + settle);
	pr_info("kho_bench: done\n");
	return 0;
}

/* @ns over @pages, as picoseconds per page. */
static u64 ps_per_page(u64 ns, unsigned long pages)
{
	return div_u64(ns * 1000, pages);
}

/*
 * A pass of the cases with few calls per block takes well under a
 * millisecond, too short to time on its own: those are passed over the
 * blocks this many times (each pass preserving, then unpreserving, them
 * all) and the times summed.
 */
static unsigned int passes(enum pattern pattern)
{
	switch (pattern) {
	case MIXED:
		return 16;
	case RANGE:
		return 256;
	default:
		return 1;
	}
}

/* Time @pattern with @threads; *@pages is the pages of all passes. */
static int measure(enum pattern pattern, unsigned int threads,
		   unsigned long *pages, u64 *pns, u64 *uns)
{
	unsigned long p, u;
	unsigned int i;
	u64 tp = 0, tu = 0;

	*pages = 0;
	for (i = 0; i < passes(pattern); i++) {
		tp += run(pattern, threads, false, &p);
		tu += run(pattern, threads, true, &u);
		if (!p || p != u)
			return -EIO;
		*pages += p;
	}
	*pns = ps_per_page(tp, *pages);
	*uns = ps_per_page(tu, *pages);
	return 0;
}

static int __init kho_bench_init(void)
{
	unsigned long pages;
	unsigned int b, threads, rep;
	enum pattern p;
	u64 pns, uns;
	int err;

	if (!kho_is_enabled()) {
		pr_err("kho_bench: KHO is not enabled (boot with kho=on)\n");
		return -ENODEV;
	}
	blocks &= ~1U;
	block = kcalloc(blocks, sizeof(*block), GFP_KERNEL);
	if (!block)
		return -ENOMEM;
	for (b = 0; b < blocks; b++) {
		block[b] = alloc_pages(GFP_KERNEL, BLOCK_ORDER);
		if (!block[b]) {
			pr_err("kho_bench: out of memory at block %u\n", b);
			return -ENOMEM;
		}
	}

	kho_bench_calibrate();
	if (memory)
		return kho_bench_memory();
	pr_info("kho_bench: start cpus=%u blocks=%u reps=%u tsc_cycles_per_us=%llu\n",
		num_online_cpus(), blocks, reps, cycles_per_us);
	for (rep = 0; rep < reps; rep++) {
		for (p = CONTIG; p <= NOKHO; p++) {
			for (threads = 1; threads <= 2; threads++) {
				err = measure(p, threads, &pages, &pns, &uns);
				if (err)
					return err;
				pr_info("kho_bench: case=%s threads=%u pages=%lu preserve_ns_per_page=%llu.%03llu unpreserve_ns_per_page=%llu.%03llu rep=%u\n",
					pattern_name[p], threads, pages,
					pns / 1000, pns % 1000, uns / 1000,
					uns % 1000, rep);
			}
		}
	}
	pr_info("kho_bench: done\n");
	return 0;
}
module_init(kho_bench_init);

MODULE_DESCRIPTION("Benchmark of the KHO preservation tracker");
MODULE_LICENSE("GPL");
