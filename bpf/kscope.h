/* SPDX-License-Identifier: GPL-2.0 */
/* Definitions shared by every tool's BPF side and user side. */
#ifndef KSCOPE_H
#define KSCOPE_H

/*
 * log2 histograms: slot 0 holds the value 0, slot i (i >= 1) holds [2^(i-1), 2^i - 1].
 * 64 slots cover every u64 value, so no value is ever clamped away.
 */
#define HIST_SLOTS 65

#define KSCOPE_COMM_LEN 16

#endif /* KSCOPE_H */
