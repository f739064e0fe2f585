/* SPDX-License-Identifier: GPL-2.0 */
/* netcheck audit's rows for one network interface. */
#ifndef NETCHECK_IFACE_H
#define NETCHECK_IFACE_H

#include "netcheck_audit.h"

/* interfaces in /sys/class/net, lo left out, sorted; *out and each name to be freed */
int netcheck_iface_list(struct netcheck_audit *a, char ***out);
/* ifname's rows: driver, queues, IRQs, RPS/XPS, coalescing, channels, offloads */
void netcheck_iface_audit(struct netcheck_audit *a, const char *ifname, int ncpus);

#endif /* NETCHECK_IFACE_H */
