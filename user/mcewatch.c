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
#include "mcewatch_show.h"

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

static void key_add(struct key_count *rows, int *n, __u32 key)
{
	for (int i = 0; i < *n; i++) {
		if (rows[i].key == key) {
			rows[i].count++;
			return;
		}
	}
	if (*n < KEYS_MAX)
		rows[(*n)++] = (struct key_count){key, 1};
}

static bool label_add(struct label_count *rows, int *n, const char *label, __u32 type, __u64 count)
{
	for (int i = 0; i < *n; i++) {
		if (rows[i].type == type && !strcmp(rows[i].label, label)) {
			rows[i].count += count;
			return true;
		}
	}
	if (*n >= LABELS_MAX)
		return false;
	snprintf(rows[*n].label, sizeof(rows[*n].label), "%s", label);
	rows[*n].type = type;
	rows[*n].count = count;
	(*n)++;
	return true;
}

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

/* The context at the moment of an event: since the last interval tick when it is long
 * enough to be a rate, else the last full interval's. */
static void context_now(struct mcewatch_state *st, struct ctx_snap *snap, struct ctx_rates *r)
{
	ctx_read(snap);
	if (snap->t_ns - st->prev.t_ns >= 200000000ull)
		ctx_rates(&st->prev, snap, r);
	else
		*r = st->last;
}

static void json_context(struct json *j, const struct ctx_snap *s, const struct ctx_rates *r)
{
	json_kv_double(j, "csw_per_s", r->csw_per_s);
	json_kv_double(j, "intr_per_s", r->intr_per_s);
	json_kv_double(j, "forks_per_s", r->forks_per_s);
	json_kv_double(j, "cpu_pct", r->cpu_pct);
	json_kv_u64(j, "tasks", s->tasks);
	json_kv_u64(j, "running", s->running);
	json_kv_u64(j, "blocked", s->blocked);
	json_kv_double(j, "load1", s->load1);
}

static void print_context(const struct ctx_snap *s, const struct ctx_rates *r)
{
	printf("    context: %.0f csw/s, %.0f intr/s, %.0f forks/s, %u tasks (%u running, %u "
	       "blocked), load %.2f, cpu %.0f%%\n",
	       r->csw_per_s, r->intr_per_s, r->forks_per_s, s->tasks, s->running, s->blocked,
	       s->load1, r->cpu_pct);
}

static void event_head(struct mcewatch_state *st, struct json *j, const char *type, __u64 ts_ns)
{
	char clock[16];

	st->rows = -1; /* the table's header again after an event */
	if (!st->common->json) {
		printf("%s ", out_clock(clock, sizeof(clock)));
		return;
	}
	json_init(j, stdout);
	json_event_begin_at(j, type, ts_ns);
}

static void event_tail(struct json *j, bool json, const struct ctx_snap *s,
		       const struct ctx_rates *r)
{
	if (!json) {
		print_context(s, r);
		fflush(stdout);
		return;
	}
	json_key(j, "context");
	json_object_begin(j);
	json_context(j, s, r);
	json_object_end(j);
	json_object_end(j);
	json_line_end(j);
}

static void on_mce(struct mcewatch_state *st, const struct mcewatch_event *e)
{
	const struct mcewatch_mce *m = &e->mce;
	struct mce_input in = {
		.vendor = mce_vendor_from_x86(m->cpuvendor),
		.vendor_source = "record",
		.bank = m->bank,
		.status = m->status,
		.addr = m->addr,
		.misc = m->misc,
		.ipid = m->ipid,
		.synd = m->synd,
		.mcgstatus = m->mcgstatus,
		.mcgcap = m->mcgcap,
		.have_mcgstatus = true,
		.have_mcgcap = m->mcgcap != 0,
	};
	struct mce_decoded d;
	struct ctx_snap snap;
	struct ctx_rates r;
	struct json j;

	mce_decode(&in, &d);
	st->mce++;
	st->iv_mce++;
	if (d.severity == MCE_SEV_CORRECTED)
		st->mce_corrected++;
	key_add(st->by_cpu, &st->n_cpu, m->cpu);
	key_add(st->by_bank, &st->n_bank, m->bank);
	st->by_class[d.error_class][d.severity]++;
	context_now(st, &snap, &r);

	event_head(st, &j, "mce", e->ts_ns);
	if (st->common->json) {
		json_kv_u64(&j, "cpu", m->cpu);
		json_kv_u64(&j, "socket", m->socketid);
		json_kv_u64(&j, "apicid", m->apicid);
		json_kv_u64(&j, "cpuid", m->cpuid);
		json_kv_u64(&j, "walltime", m->walltime);
		json_kv_u64(&j, "tsc", m->tsc);
		if (m->ip)
			json_kv_u64(&j, "ip", m->ip);
		mce_json_fields(&j, &in, &d);
	} else {
		printf("MCE cpu %u socket %u apic 0x%x bank %u: %s: %s\n", m->cpu, m->socketid,
		       m->apicid, m->bank, mce_severity_name(d.severity), d.error);
		mce_print(stdout, &in, &d, "    ");
	}
	event_tail(&j, st->common->json, &snap, &r);
}

static void on_mc_event(struct mcewatch_state *st, const struct mcewatch_event *e)
{
	struct mcewatch_mc m = e->mc;
	char msg[4 * MCEWATCH_MSG_LEN], label[4 * MCEWATCH_LABEL_LEN];
	char detail[4 * MCEWATCH_DETAIL_LEN];
	struct ctx_snap snap;
	struct ctx_rates r;
	struct json j;

	m.msg[sizeof(m.msg) - 1] = m.label[sizeof(m.label) - 1] = '\0';
	m.detail[sizeof(m.detail) - 1] = '\0';
	st->mc_events++;
	st->iv_mc++;
	if (m.error_type == 0)
		st->mc_corrected += m.error_count;
	if (m.error_type < 5)
		st->mc_by_type[m.error_type] += m.error_count;
	if (!label_add(st->mc_labels, &st->n_mc_labels, m.label, m.error_type, m.error_count))
		st->mc_other += m.error_count;
	context_now(st, &snap, &r);

	event_head(st, &j, "mc_event", e->ts_ns);
	if (st->common->json) {
		json_kv_string(&j, "severity", mce_mc_type_name(m.error_type));
		json_kv_u64(&j, "error_count", m.error_count);
		json_kv_u64(&j, "mc", m.mc_index);
		json_kv_string(&j, "label", m.label);
		json_kv_string(&j, "msg", m.msg);
		json_kv_string(&j, "detail", m.detail);
		json_kv_i64(&j, "top_layer", m.layer[0]);
		json_kv_i64(&j, "middle_layer", m.layer[1]);
		json_kv_i64(&j, "lower_layer", m.layer[2]);
		json_kv_u64(&j, "address", (__u64)m.address);
		json_kv_u64(&j, "grain", m.grain_bits < 64 ? 1ull << m.grain_bits : 0);
		json_kv_u64(&j, "syndrome", (__u64)m.syndrome);
	} else {
		out_sanitize(msg, sizeof(msg), m.msg, sizeof(m.msg));
		out_sanitize(label, sizeof(label), m.label, sizeof(m.label));
		out_sanitize(detail, sizeof(detail), m.detail, sizeof(m.detail));
		printf("EDAC mc%u: %u %s error%s%s%s on %s\n", m.mc_index, m.error_count,
		       mce_mc_type_name(m.error_type), m.error_count == 1 ? "" : "s",
		       msg[0] ? ": " : "", msg, label[0] ? label : "(no DIMM label)");
		printf("    location %d:%d:%d address 0x%llx grain %llu syndrome 0x%llx%s%s\n",
		       m.layer[0], m.layer[1], m.layer[2], (unsigned long long)m.address,
		       m.grain_bits < 64 ? 1ull << m.grain_bits : 0ull,
		       (unsigned long long)m.syndrome, detail[0] ? " " : "", detail);
	}
	event_tail(&j, st->common->json, &snap, &r);
}

static void on_aer(struct mcewatch_state *st, const struct mcewatch_event *e)
{
	struct mcewatch_aer a = e->aer;
	char dev[4 * MCEWATCH_DEV_LEN], bits[512];
	struct ctx_snap snap;
	struct ctx_rates r;
	struct json j;

	a.dev_name[sizeof(a.dev_name) - 1] = '\0';
	st->aer++;
	st->iv_aer++;
	if (a.severity < 3)
		st->aer_by_sev[a.severity]++;
	if (!label_add(st->aer_devs, &st->n_aer_devs, a.dev_name, a.severity, 1))
		st->aer_other++;
	mce_aer_status_string(a.status, a.severity, bits, sizeof(bits));
	context_now(st, &snap, &r);

	event_head(st, &j, "aer_event", e->ts_ns);
	if (st->common->json) {
		json_kv_string(&j, "device", a.dev_name);
		json_kv_string(&j, "severity", mce_aer_severity_name(a.severity));
		snprintf(dev, sizeof(dev), "0x%08x", a.status);
		json_kv_string(&j, "status", dev);
		json_kv_string(&j, "errors", bits);
		json_kv_bool(&j, "tlp_header_valid", a.tlp_header_valid);
	} else {
		out_sanitize(dev, sizeof(dev), a.dev_name, sizeof(a.dev_name));
		printf("AER %s: %s error, status 0x%08x: %s\n", dev,
		       mce_aer_severity_name(a.severity), a.status, bits);
	}
	event_tail(&j, st->common->json, &snap, &r);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct mcewatch_event *e = data;
	struct mcewatch_state *st = ctx;

	if (size < sizeof(*e))
		return 0;
	switch (e->kind) {
	case MCEWATCH_MCE:
		on_mce(st, e);
		break;
	case MCEWATCH_MC_EVENT:
		on_mc_event(st, e);
		break;
	case MCEWATCH_AER:
		on_aer(st, e);
		break;
	}
	return 0;
}

static int tick(void *ctx)
{
	struct mcewatch_state *st = ctx;
	struct ctx_snap cur;
	struct ctx_rates r;
	struct json j;
	char clock[16];
	double secs;

	ctx_read(&cur);
	ctx_rates(&st->prev, &cur, &r);
	secs = (cur.t_ns - st->prev.t_ns) / 1e9;
	st->prev = cur;
	st->last = r;
	if (r.csw_per_s > st->peak_csw)
		st->peak_csw = r.csw_per_s;
	if (r.intr_per_s > st->peak_intr)
		st->peak_intr = r.intr_per_s;
	events_lost_check(&st->ev);

	if (st->common->prom_file) {
		/* a daemon's output is the file; stdout stays quiet */
		if (mcewatch_prom_write(st))
			return 1;
	} else if (st->common->json) {
		json_init(&j, stdout);
		json_event_begin(&j, "interval");
		json_kv_double(&j, "interval_s", secs);
		json_context(&j, &cur, &r);
		json_kv_u64(&j, "mce", st->iv_mce);
		json_kv_u64(&j, "mc_events", st->iv_mc);
		json_kv_u64(&j, "aer_events", st->iv_aer);
		json_object_end(&j);
		json_line_end(&j);
	} else {
		if (st->rows < 0 || st->rows >= 20) {
			printf("%-8s %8s %8s %7s %7s %4s %4s %6s %5s %4s %4s %4s\n", "TIME",
			       "CSW/s", "INTR/s", "FORK/s", "TASKS", "RUN", "BLK", "LOAD1", "CPU%",
			       "MCE", "EDAC", "AER");
			st->rows = 0;
		}
		printf("%-8s %8.0f %8.0f %7.0f %7u %4u %4u %6.2f %5.1f %4llu %4llu %4llu\n",
		       out_clock(clock, sizeof(clock)), r.csw_per_s, r.intr_per_s, r.forks_per_s,
		       cur.tasks, cur.running, cur.blocked, cur.load1, r.cpu_pct,
		       (unsigned long long)st->iv_mce, (unsigned long long)st->iv_mc,
		       (unsigned long long)st->iv_aer);
		st->rows++;
		fflush(stdout);
	}
	st->iv_mce = st->iv_mc = st->iv_aer = 0;
	return 0;
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
	err = mcewatch__load(skel);
	if (err) {
		setup_explain(err, "load the BPF programs");
		err = 1;
		goto cleanup;
	}
	cost_start(skel->obj, common->no_bpf_stats);
	err = mcewatch__attach(skel);
	if (err) {
		setup_explain(err, "attach to the RAS tracepoints");
		err = 1;
		goto cleanup;
	}
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
	if (common->prom_file) {
		/* the last file has them too; the summary is for people, and stdout stays quiet */
		if (!err && mcewatch_prom_write(st))
			err = 1;
	} else {
		mcewatch_summary(st, events_lost_check(&st->ev), setup_prog_misses(skel->obj));
	}
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
