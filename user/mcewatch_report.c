// SPDX-License-Identifier: GPL-2.0
/*
 * mcewatch: what an interval and each event are made of.  The context is read from
 * /proc/stat and /proc/loadavg (mcewatch_ctx.c); the events come decoded from the ring and are
 * counted here over the run, per CPU, bank, class, DIMM label and PCI device.
 */
#include <stdio.h>
#include <string.h>
#include "setup.h"
#include "mcewatch_state.h"

void mcewatch_read(struct mcewatch_state *st, bool summary)
{
	ctx_read(&st->cur);
	if (summary || st->common->prom_file)
		st->misses = setup_prog_misses(st->obj);
}

void mcewatch_report(struct mcewatch_state *st, bool summary)
{
	if (summary) {
		ctx_rates(&st->start, &st->cur, &st->rates);
		/*
		 * The peak is the highest interval's rate; interrupted before the first interval
		 * ended, or with the busiest stretch in the unfinished last one, the run's own
		 * average is the highest rate seen ("average 1291 (peak 0)" said otherwise).
		 */
		if (st->rates.csw_per_s > st->peak_csw)
			st->peak_csw = st->rates.csw_per_s;
		if (st->rates.intr_per_s > st->peak_intr)
			st->peak_intr = st->rates.intr_per_s;
		st->span_ns = st->cur.t_ns - st->start.t_ns;
		st->secs = st->cur.t_ns > st->start.t_ns ? st->span_ns / 1e9 : 0;
		return;
	}
	ctx_rates(&st->prev, &st->cur, &st->rates);
	st->secs = (st->cur.t_ns - st->prev.t_ns) / 1e9;
	st->prev = st->cur;
	st->last = st->rates;
	if (st->rates.csw_per_s > st->peak_csw)
		st->peak_csw = st->rates.csw_per_s;
	if (st->rates.intr_per_s > st->peak_intr)
		st->peak_intr = st->rates.intr_per_s;
	st->interval = st->arriving;
	memset(&st->arriving, 0, sizeof(st->arriving));
}

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

static void mce_report(struct mcewatch_state *st, struct mcewatch_seen *seen)
{
	const struct mcewatch_mce *m = &seen->e->mce;

	seen->in = (struct mce_input){
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
	mce_decode(&seen->in, &seen->d);
	st->mce++;
	st->arriving.mce++;
	if (seen->d.severity == MCE_SEV_CORRECTED)
		st->mce_corrected++;
	key_add(st->by_cpu, &st->n_cpu, m->cpu);
	key_add(st->by_bank, &st->n_bank, m->bank);
	st->by_class[seen->d.error_class][seen->d.severity]++;
}

static void mc_report(struct mcewatch_state *st, struct mcewatch_seen *seen)
{
	struct mcewatch_mc *m = &seen->mc;

	*m = seen->e->mc;
	m->msg[sizeof(m->msg) - 1] = m->label[sizeof(m->label) - 1] = '\0';
	m->detail[sizeof(m->detail) - 1] = '\0';
	st->mc_events++;
	st->arriving.mc_events++;
	if (m->error_type == 0)
		st->mc_corrected += m->error_count;
	if (m->error_type < 5)
		st->mc_by_type[m->error_type] += m->error_count;
	if (!label_add(st->mc_labels, &st->n_mc_labels, m->label, m->error_type, m->error_count))
		st->mc_other += m->error_count;
}

static void aer_report(struct mcewatch_state *st, struct mcewatch_seen *seen)
{
	struct mcewatch_aer *a = &seen->aer;

	*a = seen->e->aer;
	a->dev_name[sizeof(a->dev_name) - 1] = '\0';
	st->aer++;
	st->arriving.aer++;
	if (a->severity < 3)
		st->aer_by_sev[a->severity]++;
	if (!label_add(st->aer_devs, &st->n_aer_devs, a->dev_name, a->severity, 1))
		st->aer_other++;
	mce_aer_status_string(a->status, a->severity, seen->aer_bits, sizeof(seen->aer_bits));
}

bool mcewatch_event_report(struct mcewatch_state *st, const struct mcewatch_event *e,
			   struct mcewatch_seen *seen)
{
	seen->e = e;
	switch (e->kind) {
	case MCEWATCH_MCE:
		mce_report(st, seen);
		break;
	case MCEWATCH_MC_EVENT:
		mc_report(st, seen);
		break;
	case MCEWATCH_AER:
		aer_report(st, seen);
		break;
	default:
		return false;
	}
	context_now(st, &seen->snap, &seen->r);
	return true;
}
