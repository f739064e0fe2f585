/* SPDX-License-Identifier: GPL-2.0 */
/* Live-host providers for netcheck audit (see netcheck_audit.h). */
#ifndef NETCHECK_ETHTOOL_H
#define NETCHECK_ETHTOOL_H

#include "netcheck_audit.h"

/* SIOCETHTOOL: coalescing, channels, GRO/LRO/TSO of one interface in our netns. */
void netcheck_ethtool_read(const char *ifname, struct netcheck_ethtool *out, void *ctx);
/* nfnetlink: nftables tables, chains (and those hooked), rules in our netns. */
void netcheck_nft_read(struct netcheck_nft *out, void *ctx);

#endif /* NETCHECK_ETHTOOL_H */
