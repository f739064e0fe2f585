// SPDX-License-Identifier: GPL-2.0
/* netcheck audit's parsers and judgements, on the fixture trees and with fake providers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "netcheck_audit.h"

static char root[512];

static const struct netcheck_row *find(const struct netcheck_audit *a, const char *section,
				       const char *setting)
{
	for (int i = 0; i < a->nrows; i++)
		if (!strcmp(a->rows[i].section, section) && !strcmp(a->rows[i].setting, setting))
			return &a->rows[i];
	return NULL;
}

static void fixture(const char *name)
{
	const char *top = getenv("KSCOPE_ROOT");

	snprintf(root, sizeof(root), "%s/tests/fixtures/netcheck/%s", top ? top : ".", name);
}

/* a NIC that delays interrupts by 8 us and has 8 channels of which 1 is used */
static void eth_coalescing(const char *ifname, struct netcheck_ethtool *e, void *ctx)
{
	(void)ifname;
	(void)ctx;
	e->rx_usecs = 8;
	e->rx_frames = 0;
	e->adaptive_rx = false;
	e->combined_count = 1;
	e->max_combined = 8;
	e->gro = true;
}

/* a virtual device: no coalescing, no channels */
static void eth_unsupported(const char *ifname, struct netcheck_ethtool *e, void *ctx)
{
	(void)ifname;
	(void)ctx;
	e->coalesce_err = EOPNOTSUPP;
	e->channels_err = EOPNOTSUPP;
	e->features_err = EOPNOTSUPP;
}

static void nft_two_hooks(struct netcheck_nft *n, void *ctx)
{
	(void)ctx;
	n->tables = 1;
	n->chains = 3;
	n->base_chains = 2;
	n->rules = 5;
}

static void test_lists(void)
{
	check(netcheck_cpulist_count("0-3,8") == 5, "cpulist 0-3,8 has 5 CPUs");
	check(netcheck_cpulist_count("0") == 1, "cpulist 0 has 1 CPU");
	check(netcheck_cpulist_count("") == 0, "empty cpulist has none");
	check(netcheck_cpulist_count("3-1") == -1, "reversed range is rejected");
	check(netcheck_cpulist_count("0-1,") == -1, "trailing comma is rejected");
	check(netcheck_cpulist_count("x") == -1, "garbage is rejected");
	check(netcheck_cpumask_count("00000000,0000000f") == 4, "mask with a comma: 4 bits");
	check(netcheck_cpumask_count("ff") == 8, "mask ff: 8 bits");
	check(netcheck_cpumask_count("0") == 0, "mask 0: none");
	check(netcheck_cpumask_count("") == -1, "empty mask is rejected");
	check(netcheck_cpumask_count("0g") == -1, "non-hex mask is rejected");
}

static void test_ethtool_judgement(void)
{
	char *ifs[] = {"enp1s0"};
	struct netcheck_audit a = {.ifaces = ifs, .nifaces = 1, .ethtool = eth_coalescing};
	const struct netcheck_row *r;

	fixture("one-queue");
	a.root = root;
	check(netcheck_audit_run(&a) == 0, "audit of one-queue runs");
	r = find(&a, "enp1s0", "coalescing");
	if (check(r != NULL, "coalescing row")) {
		check(r->status == NETCHECK_WARN, "rx-usecs 8 is a warning");
		check_str(r->value,
			  "rx-usecs 8 rx-frames 0 tx-usecs 0 tx-frames 0 adaptive-rx off "
			  "adaptive-tx off",
			  "coalescing value as ethtool -c names it");
		check(strstr(r->fix, "ethtool -C enp1s0 adaptive-rx off rx-usecs 0") == r->fix,
		      "fix sets rx-usecs 0");
	}
	r = find(&a, "enp1s0", "channels");
	if (check(r != NULL, "channels row"))
		check_str(r->fix, "ethtool -L enp1s0 combined 8",
			  "1 of 8 channels on 8 CPUs: use 8");
	r = find(&a, "enp1s0", "offloads");
	if (check(r != NULL, "offloads row"))
		check_str(r->value, "gro on, lro off, tso off", "offloads value");
	netcheck_audit_free(&a);

	a = (struct netcheck_audit){
		.root = root, .ifaces = ifs, .nifaces = 1, .ethtool = eth_unsupported};
	netcheck_audit_run(&a);
	r = find(&a, "enp1s0", "coalescing");
	if (check(r != NULL, "coalescing row (unsupported)")) {
		check_str(r->value, "not supported by this driver", "EOPNOTSUPP is an answer");
		check(r->status == NETCHECK_INFO, "and not a warning");
	}
	netcheck_audit_free(&a);
}

static void test_netfilter(void)
{
	struct netcheck_audit a = {.nft = nft_two_hooks};
	const struct netcheck_row *r;

	fixture("conntrack");
	a.root = root;
	netcheck_audit_run(&a);
	r = find(&a, "netfilter", "nftables");
	if (check(r != NULL, "nftables row")) {
		check_str(r->value, "1 tables, 3 chains (2 hooked), 5 rules", "nftables counts");
		check(r->status == NETCHECK_WARN, "hooked chains are a warning");
	}
	r = find(&a, "netfilter", "conntrack");
	if (check(r != NULL, "conntrack row"))
		check_str(r->source, "/proc/sys/net/netfilter/nf_conntrack_count",
			  "conntrack source is the live path, not the fixture's");
	netcheck_audit_free(&a);
}

static void test_missing(void)
{
	char *ifs[] = {"nosuch0"};
	struct netcheck_audit a = {.ifaces = ifs, .nifaces = 1};

	fixture("tuned");
	a.root = root;
	check(netcheck_audit_run(&a) == -1 && errno == ENODEV, "unknown interface: ENODEV");
	netcheck_audit_free(&a);

	a = (struct netcheck_audit){.root = "/nonexistent-netcheck-root"};
	check(netcheck_audit_run(&a) == 0, "an empty root still gives rows");
	check(find(&a, "cpu", "online") && find(&a, "cpu", "online")->status == NETCHECK_NA,
	      "and says what it could not read");
	netcheck_audit_free(&a);
}

int main(void)
{
	test_lists();
	test_ethtool_judgement();
	test_netfilter();
	test_missing();
	return check_done();
}
