// SPDX-License-Identifier: GPL-2.0
/*
 * The live-host providers for netcheck audit: ethtool's coalescing, channels and offloads
 * through the SIOCETHTOOL ioctl (what `ethtool -c/-l/-k` print), and nftables object counts
 * through nfnetlink.  Both work on the current network namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include "netcheck_ethtool.h"

static int ethtool_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? errno : 0;
}

void netcheck_ethtool_read(const char *ifname, struct netcheck_ethtool *out, void *ctx)
{
	struct ethtool_coalesce co = {.cmd = ETHTOOL_GCOALESCE};
	struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};
	struct ethtool_value v;
	int fd, err;

	(void)ctx;
	memset(out, 0, sizeof(*out));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		out->coalesce_err = out->channels_err = out->features_err = errno;
		return;
	}
	out->coalesce_err = ethtool_ioctl(fd, ifname, &co);
	if (!out->coalesce_err) {
		out->rx_usecs = co.rx_coalesce_usecs;
		out->rx_frames = co.rx_max_coalesced_frames;
		out->tx_usecs = co.tx_coalesce_usecs;
		out->tx_frames = co.tx_max_coalesced_frames;
		out->adaptive_rx = co.use_adaptive_rx_coalesce;
		out->adaptive_tx = co.use_adaptive_tx_coalesce;
	}
	out->channels_err = ethtool_ioctl(fd, ifname, &ch);
	if (!out->channels_err) {
		out->rx_count = ch.rx_count;
		out->tx_count = ch.tx_count;
		out->combined_count = ch.combined_count;
		out->max_rx = ch.max_rx;
		out->max_tx = ch.max_tx;
		out->max_combined = ch.max_combined;
	}
	/* the legacy per-feature commands still map onto netdev features in every kernel */
	v = (struct ethtool_value){.cmd = ETHTOOL_GGRO};
	err = ethtool_ioctl(fd, ifname, &v);
	out->gro = !err && v.data;
	if (!err) {
		v = (struct ethtool_value){.cmd = ETHTOOL_GTSO};
		err = ethtool_ioctl(fd, ifname, &v);
		out->tso = !err && v.data;
	}
	if (!err) {
		v = (struct ethtool_value){.cmd = ETHTOOL_GFLAGS};
		err = ethtool_ioctl(fd, ifname, &v);
		out->lro = !err && (v.data & ETH_FLAG_LRO);
	}
	out->features_err = err;
	close(fd);
}

/* Dump one kind of nftables object and count the replies; -errno on failure. */
static long nft_dump_count(int fd, int msg, long *hooked)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg nf;
	} req;
	char buf[32768];
	long n = 0;
	static __u32 seq;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = ++seq;
	req.nf.nfgen_family = AF_UNSPEC;
	req.nf.version = NFNETLINK_V0;
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return n;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				return e->error ? e->error : n;
			}
			n++;
			/* a base chain (one hooked into the packet path) carries NFTA_CHAIN_HOOK */
			if (hooked) {
				struct nlattr *at = (void *)((char *)NLMSG_DATA(nh) +
							     NLMSG_ALIGN(sizeof(struct nfgenmsg)));
				int rem = nh->nlmsg_len -
					  NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct nfgenmsg)));

				while (rem >= (int)sizeof(*at) && at->nla_len >= sizeof(*at) &&
				       at->nla_len <= rem) {
					if ((at->nla_type & NLA_TYPE_MASK) == NFTA_CHAIN_HOOK)
						(*hooked)++;
					rem -= NLA_ALIGN(at->nla_len);
					at = (void *)((char *)at + NLA_ALIGN(at->nla_len));
				}
			}
		}
	}
}

void netcheck_nft_read(struct netcheck_nft *out, void *ctx)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	long hooked = 0;
	int fd;

	(void)ctx;
	out->tables = out->chains = out->base_chains = out->rules = -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		out->err = errno;
		if (fd >= 0)
			close(fd);
		return;
	}
	out->tables = nft_dump_count(fd, NFT_MSG_GETTABLE, NULL);
	out->chains = nft_dump_count(fd, NFT_MSG_GETCHAIN, &hooked);
	out->rules = nft_dump_count(fd, NFT_MSG_GETRULE, NULL);
	out->base_chains = hooked;
	close(fd);
	if (out->tables < 0 || out->chains < 0 || out->rules < 0)
		out->err = -(out->tables < 0   ? out->tables
			     : out->chains < 0 ? out->chains
					       : out->rules);
}
