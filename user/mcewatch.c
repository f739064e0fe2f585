// SPDX-License-Identifier: GPL-2.0
/*
 * mcewatch: is the hardware reporting machine checks, what exactly do they say, and is
 * anything else (context switches, interrupts, tasks) unusual at the same time?
 *
 * Live: mce:mce_record, ras:mc_event and ras:aer_event, whichever exist, each event decoded
 * as it arrives with the system's context next to it; an interval line from /proc/stat and
 * /proc/loadavg; a summary at the end.  Offline: --decode STATUS decodes raw bank registers
 * copied from dmesg or another host, as `mcelog --ascii` does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "cost.h"
#include "events.h"
#include "json.h"
#include "loop.h"
#include "opts.h"
#include "out.h"
#include "probe.h"
#include "setup.h"
#include "mcewatch.h"
#include "mcewatch.skel.h"
#include "mcewatch_ctx.h"
#include "mcewatch_decode.h"
#include "mcewatch_state.h"

struct hexopt {
	__u64 v;
	bool set;
};

struct config {
	struct hexopt decode, addr, misc, ipid, mcgstatus, mcgcap;
	long bank;  /* -1: not given */
	int vendor; /* enum mce_vendor, -1: this host's */
};

static int parse_hexopt(const char *arg, void *field, char *why, size_t why_len)
{
	struct hexopt *h = field;

	if (mce_parse_hex(arg, &h->v, why, why_len))
		return -1;
	h->set = true;
	return 0;
}

static int parse_vendor(const char *arg, void *field, char *why, size_t why_len)
{
	int *v = field;

	if (!strcmp(arg, "intel")) {
		*v = MCE_VENDOR_INTEL;
		return 0;
	}
	if (!strcmp(arg, "amd") || !strcmp(arg, "hygon")) {
		*v = MCE_VENDOR_AMD;
		return 0;
	}
	snprintf(why, why_len, "expected intel or amd");
	return -1;
}

static const struct opt mcewatch_opts[] = {
	{"decode", 0, OPT_CUSTOM, OPT_FIELD(struct config, decode), "STATUS",
	 "decode raw MCi_STATUS (hex, as in dmesg) and exit", 0, 0, parse_hexopt},
	{"addr", 0, OPT_CUSTOM, OPT_FIELD(struct config, addr), "A",
	 "with --decode: MCi_ADDR (hex)", 0, 0, parse_hexopt},
	{"misc", 0, OPT_CUSTOM, OPT_FIELD(struct config, misc), "M",
	 "with --decode: MCi_MISC (hex)", 0, 0, parse_hexopt},
	{"bank", 0, OPT_INT, OPT_FIELD(struct config, bank), "B", "with --decode: the bank number",
	 0, 255},
	{"vendor", 0, OPT_CUSTOM, OPT_FIELD(struct config, vendor), "V",
	 "with --decode: intel or amd (default: amd with --ipid, else both)", 0, 0, parse_vendor},
	{"ipid", 0, OPT_CUSTOM, OPT_FIELD(struct config, ipid), "I",
	 "with --decode: AMD MCA_IPID (hex), the bank type", 0, 0, parse_hexopt},
	{"mcgstatus", 0, OPT_CUSTOM, OPT_FIELD(struct config, mcgstatus), "S",
	 "with --decode: MCG_STATUS (hex)", 0, 0, parse_hexopt},
	{"mcgcap", 0, OPT_CUSTOM, OPT_FIELD(struct config, mcgcap), "C",
	 "with --decode: MCG_CAP (hex), gates S/AR and count", 0, 0, parse_hexopt},
	{0},
};

static const struct tool_desc mcewatch_tool = {
	.name = "mcewatch",
	.summary = "Watch machine checks, EDAC memory errors and PCIe AER errors, decoded, with\n"
		   "the system's context switches, interrupts, tasks and load next to them.",
	.synopsis = "[interval [count]]\n       mcewatch --decode STATUS [--addr A] [--misc M] "
		    "[--bank B] [--vendor V]",
	.common = COMMON_INTERVAL | COMMON_PROM | COMMON_EVENTS,
	.opts = mcewatch_opts,
	.examples = "  mcewatch                      watch, one context line a second\n"
		    "  mcewatch -j 10                JSON, a context line every 10 s\n"
		    "  mcewatch --decode 8c00004000010090 --bank 8\n"
		    "                                what did that dmesg line say?\n"
		    "  mcewatch --prom-file /var/lib/prometheus/node-exporter/mcewatch.prom 15\n"
		    "                                counters for node_exporter, every 15 s\n",
	.default_interval_ms = 1000,
};

/*
 * Offline, the host's CPU says nothing about the value's: it is often decoded on a laptop,
 * not on the host that logged it.  So the vendor is --vendor's, or AMD when --ipid (AMD
 * SMCA's MCA_IPID) is given, and otherwise the value is decoded both ways.
 */
static int run_decode(const struct common_opts *common, const struct config *cfg)
{
	enum mce_vendor vendors[2] = {MCE_VENDOR_INTEL, MCE_VENDOR_AMD};
	int n = 2;
	struct mce_input in = {
		.vendor_source = "none",
		.bank = (int)cfg->bank,
		.status = cfg->decode.v,
		.addr = cfg->addr.v,
		.misc = cfg->misc.v,
		.ipid = cfg->ipid.v,
		.mcgstatus = cfg->mcgstatus.v,
		.mcgcap = cfg->mcgcap.v,
		.have_mcgstatus = cfg->mcgstatus.set,
		.have_mcgcap = cfg->mcgcap.set,
		.addr_unknown = !cfg->addr.set,
		.misc_unknown = !cfg->misc.set,
	};
	struct mce_decoded d;
	struct json j;

	if (cfg->vendor >= 0) {
		vendors[0] = (enum mce_vendor)cfg->vendor;
		in.vendor_source = "option";
		n = 1;
	} else if (cfg->ipid.set) {
		vendors[0] = MCE_VENDOR_AMD;
		in.vendor_source = "ipid";
		n = 1;
	}
	if (!common->json) {
		if (n == 2)
			printf("MCE decoded as intel and as amd: nothing in the input names the "
			       "vendor (--vendor intel|amd picks one)\n");
		else
			printf("MCE decoded as %s (%s)\n", mce_vendor_name(vendors[0]),
			       cfg->vendor >= 0 ? "--vendor" : "--ipid is AMD SMCA's MCA_IPID");
	}
	for (int i = 0; i < n; i++) {
		in.vendor = vendors[i];
		mce_decode(&in, &d);
		if (!common->json) {
			if (n == 2)
				printf("%s:\n", mce_vendor_name(in.vendor));
			mce_print(stdout, &in, &d, "  ");
			continue;
		}
		/* one object per decoding, each naming its vendor and why */
		json_init(&j, stdout);
		json_event_begin(&j, "decode");
		mce_json_fields(&j, &in, &d);
		json_object_end(&j);
		json_line_end(&j);
	}
	return 0;
}

/* Each event as it arrives: decoded and counted with the context of the moment, then shown. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct mcewatch_state *st = ctx;
	struct mcewatch_seen seen;

	if (size < sizeof(struct mcewatch_event))
		return 0;
	if (mcewatch_event_report(st, data, &seen))
		mcewatch_event_show(st, &seen);
	return 0;
}

/*
 * One interval, or for the summary the whole run: the context now, its rates and the events
 * counted since the interval's start, shown.
 */
static int watch_interval(struct mcewatch_state *st, bool summary)
{
	mcewatch_read(st, summary);
	mcewatch_report(st, summary);
	return mcewatch_show(st, summary);
}

static int tick(void *ctx)
{
	return watch_interval(ctx, false);
}

static int run_live(const struct common_opts *common)
{
	struct mcewatch *skel = NULL;
	struct mcewatch_state *st = NULL;
	struct plan_item items[3];
	char watching[128] = "";
	int err = 1, missing;

	if (setup_check())
		return 1;
	skel = mcewatch__open_opts(setup_open_opts());
	if (!skel) {
		setup_explain(-errno, "open the BPF object");
		return 1;
	}
	items[0] = (struct plan_item){
		.what = "machine checks",
		.choices = {{HOOK_TRACEPOINT, "mce:mce_record", {skel->progs.mcewatch_mce_record}}},
		.degraded = "CPU machine checks are not seen (the kernel needs CONFIG_X86_MCE; "
			    "dmesg and mcelog still have them, --decode decodes them)",
	};
	items[1] = (struct plan_item){
		.what = "EDAC memory errors",
		.choices = {{HOOK_TRACEPOINT, "ras:mc_event", {skel->progs.mcewatch_mc_event}}},
		.degraded = "DIMM-level memory errors are not seen (needs CONFIG_RAS and an EDAC "
			    "driver for this memory controller)",
	};
	items[2] = (struct plan_item){
		.what = "PCIe AER errors",
		.choices = {{HOOK_TRACEPOINT, "ras:aer_event", {skel->progs.mcewatch_aer_event}}},
		.degraded = "PCIe link errors are not seen (needs CONFIG_PCIEAER)",
	};
	missing = plan_choose(items, 3);
	if (missing == 3) {
		out_error("none of mce:mce_record, ras:mc_event, ras:aer_event exists on this "
			  "kernel, so there is nothing to watch; decode logged values with "
			  "'mcewatch --decode STATUS' instead");
		goto cleanup;
	}
	err = events_ring_size(skel->maps.events, sizeof(struct mcewatch_event), common->ring_mb);
	if (err) {
		setup_explain(err, "size the event ring buffer");
		goto cleanup;
	}
	err = setup_load_attach(skel->skeleton, common->no_bpf_stats);
	if (err)
		goto cleanup;
	err = 1;
	st = calloc(1, sizeof(*st));
	if (!st) {
		out_error("out of memory");
		goto cleanup;
	}
	st->common = common;
	st->obj = skel->obj;
	st->rows = -1;
	if (events_open(&st->ev, skel->maps.events, on_event, st, &skel->bss->kscope_lost_events))
		goto cleanup;
	for (int i = 0; i < 3; i++) {
		if (items[i].chosen < 0)
			continue;
		st->watching[i] = true;
		snprintf(watching + strlen(watching), sizeof(watching) - strlen(watching), "%s%s",
			 watching[0] ? ", " : "", items[i].choices[0].target);
	}
	if (!common->json && !common->prom_file)
		printf("Watching %s. Ctrl-C ends with a summary.\n", watching);
	ctx_read(&st->start);
	st->prev = st->start;
	loop_started(common, "machine checks, EDAC and AER errors");

	/* it prints what the ring still holds at the signal: that counts too */
	err = loop_run(common, &st->ev, tick, st);
	/* the last file has the run's counters too; the summary is for people */
	if ((!err || !common->prom_file) && watch_interval(st, true))
		err = 1;
cleanup:
	if (st && st->ev.rb)
		events_close(&st->ev);
	free(st);
	cost_exit();
	mcewatch__destroy(skel);
	return err;
}

int main(int argc, char **argv)
{
	struct common_opts common;
	struct config cfg = {.bank = -1, .vendor = -1};

	opts_parse(&mcewatch_tool, argc, argv, &common, &cfg);
	if (cfg.decode.set) {
		if (argc > optind)
			opts_die(&mcewatch_tool, "--decode takes no interval or count");
		if (common.prom_file)
			opts_die(&mcewatch_tool,
				 "--prom-file goes with watching, not with --decode");
		if (cfg.ipid.set && cfg.vendor == MCE_VENDOR_INTEL)
			opts_die(&mcewatch_tool,
				 "--ipid is AMD's MCA_IPID, not with --vendor intel");
		return run_decode(&common, &cfg);
	}
	if (cfg.addr.set || cfg.misc.set || cfg.bank >= 0 || cfg.vendor >= 0 || cfg.ipid.set ||
	    cfg.mcgstatus.set || cfg.mcgcap.set)
		opts_die(&mcewatch_tool,
			 "--addr, --misc, --bank, --vendor, --ipid, --mcgstatus and "
			 "--mcgcap go with --decode STATUS");
	return run_live(&common);
}
