// SPDX-License-Identifier: GPL-2.0
/*
 * kho_scatter - hand many separate preservations over a kexec and check
 * that each one comes back on its own
 *
 * Built out of tree against both the stock 7.2 kernel and the patched one,
 * so it uses KHO's public API only.
 *
 * mode=preserve, before the kexec, preserves units of four kinds and chains
 * them in a list whose head goes to the next kernel in the sub-tree blob
 * "kho_scatter":
 *   scattered=N  N order-0 pages, every other page of 4 MiB blocks, one
 *                kho_preserve_pages(page, 1) each: N separate runs;
 *   contig=N     N order-0 pages side by side, one kho_preserve_pages(page, 1)
 *                each: the successor sees long runs, yet every page must
 *                come back alone;
 *   folios=1     one folio of every order from 0 to MAX_PAGE_ORDER;
 *   ranges=N     N kho_preserve_pages() ranges of 3, 5, 7, ... pages;
 *   spread=1     takes the 4 MiB blocks from every online node in turn.
 * Every byte of every unit is filled with a pattern derived from its
 * physical address (fill=0 skips that, for benchmarks), and the first bytes
 * of each unit hold a header with the next unit's address.
 *
 * mode=restore, after the kexec, follows the list, restores each unit the
 * way it was preserved (kho_restore_pages() or kho_restore_folio()), checks
 * its order and, with verify=1, every byte, and frees it. It prints
 *
 *   kho_scatter: restored <units> units, <pages> pages: scattered=<n>
 *                contig=<n> folios=<n> ranges=<n> bad=<n>
 *
 * and fails to load if any unit is missing or wrong.
 *
 * misuse_phys=ADDR, with ADDR in a KHO scratch area, makes mode=preserve
 * first make five calls that KHO must refuse with -EINVAL, preserving
 * nothing: pages and a folio of the scratch area, no pages, and a range
 * past the end of memory. It loads only if all five were refused. (Stock
 * 7.2 checks the scratch areas only with CONFIG_KEXEC_HANDOVER_DEBUG.)
 * Then it unpreserves a page it never preserved, and a folio twice,
 * which KHO must report, once each, naming kho_scatter_misuse().
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kexec_handover.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/random.h>

#define BLOCK_ORDER	10
#define BLOCK_PAGES	(1UL << BLOCK_ORDER)
#define UNIT_MAGIC	0x6b686f5f73636174ULL	/* "kho_scat" */
#define BLOB_MAGIC	0x6b686f5f626c6f62ULL	/* "kho_blob" */
#define SUBTREE		"kho_scatter"

static char *mode = "preserve";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "preserve (before kexec) or restore (after)");

static unsigned long scattered;
module_param(scattered, ulong, 0444);
MODULE_PARM_DESC(scattered, "order-0 pages, every other page of 4 MiB blocks");

static unsigned long contig;
module_param(contig, ulong, 0444);
MODULE_PARM_DESC(contig, "order-0 pages side by side, preserved one by one");

static bool folios;
module_param(folios, bool, 0444);
MODULE_PARM_DESC(folios, "one folio of every order up to MAX_PAGE_ORDER");

static unsigned int ranges;
module_param(ranges, uint, 0444);
MODULE_PARM_DESC(ranges, "kho_preserve_pages() ranges of 3, 5, 7, ... pages");

static bool spread;
module_param(spread, bool, 0444);
MODULE_PARM_DESC(spread, "take the blocks from every online node in turn");

static bool fill = true;
module_param(fill, bool, 0444);
MODULE_PARM_DESC(fill, "fill every byte before kexec (else headers only)");

static bool verify = true;
module_param(verify, bool, 0444);
MODULE_PARM_DESC(verify, "check every byte after kexec (needs fill)");

static unsigned long long misuse_phys;
module_param(misuse_phys, ullong, 0444);
MODULE_PARM_DESC(misuse_phys, "an address in a KHO scratch area: try misuse first");

enum kind { SCATTERED, CONTIG, FOLIO, RANGE, NR_KINDS };
static const char * const kind_name[] = {
	"scattered", "contig", "folios", "ranges"
};

struct unit_hdr {
	u64 magic;
	u64 phys;		/* this unit */
	u64 next;		/* the next unit, 0 after the last */
	u32 kind;
	u32 order;		/* of a folio; 0 otherwise */
	u64 nr_pages;
};

struct blob {
	u64 magic;
	u64 head;
	u64 units;
	u64 pages;
	u64 seed;
	u64 filled;		/* every byte holds the pattern */
};

static struct blob *blob;
static u64 seed;

static u64 pattern(phys_addr_t addr)
{
	return addr ^ seed ^ 0x9e3779b97f4a7c15ULL;
}

/* Fill (or check) every u64 of @nr pages at @page after the header. */
static bool fill_or_check(struct page *page, unsigned long nr, bool check)
{
	for (unsigned long p = 0; p < nr; p++) {
		phys_addr_t phys = page_to_phys(page + p);
		u64 *word = page_address(page + p);
		unsigned int first = 0;

		if (!p)
			first = sizeof(struct unit_hdr) / sizeof(u64);
		for (unsigned int i = first; i < PAGE_SIZE / sizeof(u64); i++) {
			u64 want = pattern(phys + i * sizeof(u64));

			if (!check)
				word[i] = want;
			else if (word[i] != want)
				return false;
		}
	}
	return true;
}

static unsigned long count[NR_KINDS];

/* Chain a unit that has just been preserved. */
static void add_unit(struct page *page, enum kind kind, unsigned int order,
		     unsigned long nr_pages)
{
	struct unit_hdr *hdr = page_address(page);

	if (fill)
		fill_or_check(page, nr_pages, false);
	hdr->magic = UNIT_MAGIC;
	hdr->phys = page_to_phys(page);
	hdr->next = blob->head;
	hdr->kind = kind;
	hdr->order = order;
	hdr->nr_pages = nr_pages;
	blob->head = hdr->phys;
	blob->units++;
	blob->pages += nr_pages;
	count[kind]++;
}

/* Pages of 4 MiB blocks, one by one: every page, or every other one. */
static int preserve_pages_of_blocks(unsigned long nr, enum kind kind)
{
	unsigned int stride = kind == SCATTERED ? 2 : 1;

	int nid = first_online_node;

	while (nr) {
		struct page *block;
		unsigned long i;

		if (spread) {
			block = alloc_pages_node(nid, GFP_KERNEL | __GFP_THISNODE,
						 BLOCK_ORDER);
			nid = next_online_node(nid);
			if (nid >= MAX_NUMNODES)
				nid = first_online_node;
		} else {
			block = alloc_pages(GFP_KERNEL, BLOCK_ORDER);
		}

		if (!block)
			return -ENOMEM;
		split_page(block, BLOCK_ORDER);
		for (i = 0; i < BLOCK_PAGES; i++) {
			struct page *page = block + i;
			int err;

			if (i % stride || !nr) {
				__free_page(page);
				continue;
			}
			err = kho_preserve_pages(page, 1);
			if (err) {
				__free_page(page);
				return err;
			}
			add_unit(page, kind, 0, 1);
			nr--;
		}
		cond_resched();
	}
	return 0;
}

static int preserve_folios(void)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct folio *folio = folio_alloc(GFP_KERNEL, order);
		int err;

		if (!folio)
			return -ENOMEM;
		err = kho_preserve_folio(folio);
		if (err) {
			folio_put(folio);
			return err;
		}
		add_unit(folio_page(folio, 0), FOLIO, order, 1UL << order);
	}
	return 0;
}

static int preserve_ranges(unsigned int nr)
{
	for (unsigned int r = 0; r < nr; r++) {
		unsigned long len = 3 + 2 * (r % 64);
		unsigned int order = get_order(len * PAGE_SIZE);
		struct page *page = alloc_pages(GFP_KERNEL, order);
		int err;

		if (!page)
			return -ENOMEM;
		split_page(page, order);
		for (unsigned long i = len; i < (1UL << order); i++)
			__free_page(page + i);
		err = kho_preserve_pages(page, len);
		if (err) {
			for (unsigned long i = 0; i < len; i++)
				__free_page(page + i);
			return err;
		}
		add_unit(page, RANGE, 0, len);
	}
	return 0;
}

static int kho_scatter_preserve(void)
{
	int err;

	blob = kho_alloc_preserve(sizeof(*blob));
	if (IS_ERR(blob))
		return PTR_ERR(blob);
	get_random_bytes(&seed, sizeof(seed));
	blob->magic = BLOB_MAGIC;
	blob->seed = seed;
	blob->filled = fill;

	err = preserve_pages_of_blocks(scattered, SCATTERED);
	if (!err)
		err = preserve_pages_of_blocks(contig, CONTIG);
	if (!err && folios)
		err = preserve_folios();
	if (!err)
		err = preserve_ranges(ranges);
	if (!err)
		err = kho_add_subtree(SUBTREE, blob, sizeof(*blob));
	/*
	 * On failure what is preserved stays preserved and allocated: the
	 * handover may still happen, and the successor only finds no list.
	 */
	pr_info("preserved %llu units, %llu pages: scattered=%lu contig=%lu folios=%lu ranges=%lu err=%d\n",
		blob->units, blob->pages, count[SCATTERED], count[CONTIG],
		count[FOLIO], count[RANGE], err);
	return err;
}

/* Restore one unit as it was preserved and free it; false if it is wrong. */
static bool restore_unit(const struct unit_hdr *hdr)
{
	unsigned long nr_pages = hdr->nr_pages;
	phys_addr_t phys = hdr->phys;
	struct folio *folio;
	struct page *page;
	bool good;

	if (hdr->kind == FOLIO) {
		folio = kho_restore_folio(phys);
		if (!folio)
			return false;
		good = folio_order(folio) == hdr->order &&
		       (!verify || fill_or_check(&folio->page, nr_pages, true));
		folio_put(folio);
		return good;
	}

	page = kho_restore_pages(phys, nr_pages);
	if (!page)
		return false;
	good = !verify || fill_or_check(page, nr_pages, true);
	for (unsigned long i = 0; i < nr_pages; i++)
		__free_page(page + i);
	return good;
}

/* The nodes the restored units were on, as " <nid>:<units>" for each. */
static unsigned long node_units[MAX_NUMNODES];

static const char *node_list(void)
{
	static char buf[128];
	int len = 0, nid;

	buf[0] = '\0';
	for_each_node(nid)
		if (node_units[nid])
			len += scnprintf(buf + len, sizeof(buf) - len, " %d:%lu",
					 nid, node_units[nid]);
	return buf;
}

static int kho_scatter_restore(void)
{
	unsigned long units = 0, pages = 0, bad = 0;
	phys_addr_t blob_phys, phys;
	size_t size;
	int err;

	err = kho_retrieve_subtree(SUBTREE, &blob_phys, &size);
	if (err) {
		pr_err("no sub-tree '%s': %d\n", SUBTREE, err);
		return err;
	}
	blob = phys_to_virt(blob_phys);
	if (size != sizeof(*blob) || blob->magic != BLOB_MAGIC) {
		pr_err("sub-tree '%s' is not ours\n", SUBTREE);
		return -EINVAL;
	}
	seed = blob->seed;
	if (!blob->filled)
		verify = false;	/* only the headers were written */

	for (phys = blob->head; phys; units++) {
		const struct unit_hdr *hdr = phys_to_virt(phys);
		struct unit_hdr copy = *hdr;

		if (copy.magic != UNIT_MAGIC || copy.phys != phys ||
		    copy.kind >= NR_KINDS || units >= blob->units) {
			pr_err("unit %lu at %pa: broken header, list ends here\n",
			       units, &phys);
			bad++;
			break;
		}
		node_units[page_to_nid(pfn_to_page(PHYS_PFN(phys)))]++;
		if (!restore_unit(&copy)) {
			pr_err("unit %lu (%s, order %u, %llu pages) at %pa did not come back intact\n",
			       units, kind_name[copy.kind], copy.order,
			       copy.nr_pages, &phys);
			bad++;
		}
		count[copy.kind]++;
		pages += copy.nr_pages;
		phys = copy.next;
		if (!(units % 4096))
			cond_resched();
	}
	if (units != blob->units || pages != blob->pages)
		bad++;

	pr_info("restored %lu units, %lu pages: scattered=%lu contig=%lu folios=%lu ranges=%lu bad=%lu (expected %llu units, %llu pages); nodes:%s\n",
		units, pages, count[SCATTERED], count[CONTIG], count[FOLIO],
		count[RANGE], bad, blob->units, blob->pages, node_list());
	kho_restore_free(blob);
	return bad ? -EIO : 0;
}

/* Not inlined: KHO must name this function in its messages. */
static noinline int kho_scatter_misuse(void)
{
	unsigned long pfn = PHYS_PFN(misuse_phys);
	struct page *page, *scratch;
	int refused = 0;

	if (!misuse_phys || !pfn_valid(pfn))
		return -EINVAL;
	page = alloc_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	scratch = pfn_to_page(pfn);

	refused += kho_preserve_pages(scratch, 1) == -EINVAL;
	refused += kho_preserve_pages(scratch - 1, 2) == -EINVAL;
	refused += kho_preserve_folio(page_folio(scratch)) == -EINVAL;
	refused += kho_preserve_pages(page, 0) == -EINVAL;
	refused += kho_preserve_pages(page, ULONG_MAX - page_to_pfn(page)) ==
		   -EINVAL;
	pr_info("misuse: %d of 5 calls refused with -EINVAL\n", refused);

	/* Nothing to unpreserve: KHO must say so, naming this function. */
	kho_unpreserve_pages(page, 1);
	if (!kho_preserve_folio(page_folio(page))) {
		kho_unpreserve_folio(page_folio(page));
		kho_unpreserve_folio(page_folio(page));
	}
	__free_page(page);
	return refused == 5 ? 0 : -EINVAL;
}

static int __init kho_scatter_init(void)
{
	if (!kho_is_enabled())
		return -EOPNOTSUPP;
	if (!strcmp(mode, "preserve") && misuse_phys && kho_scatter_misuse())
		return -EINVAL;
	if (!strcmp(mode, "preserve"))
		return kho_scatter_preserve();
	if (!strcmp(mode, "restore"))
		return kho_scatter_restore();
	return -EINVAL;
}
module_init(kho_scatter_init);

/* Preserved memory must stay allocated until the kexec: no module_exit. */
MODULE_DESCRIPTION("Hand many separate KHO preservations over a kexec");
MODULE_LICENSE("GPL");
