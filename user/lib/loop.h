/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interval/count loop shared by every tool.  SIGINT and SIGTERM end it cleanly: the loop
 * returns, the tool prints its final summary and destroys its skeleton, which detaches all.
 */
#ifndef KSCOPE_LOOP_H
#define KSCOPE_LOOP_H

#include <stdbool.h>
#include "events.h"
#include "opts.h"

/* tick() runs every interval; a non-zero return ends the loop with that value. */
typedef int (*loop_tick_fn)(void *ctx);

/*
 * Run until count intervals passed or a signal came.  When ev is not NULL, its ring buffer is
 * consumed between ticks, and once more at the end, so every event submitted before the loop
 * ended is printed.  Returns 0 or the first non-zero tick() result.
 */
int loop_run(const struct common_opts *common, struct events *ev, loop_tick_fn tick, void *ctx);

/*
 * A --prom-file run's one start-up line, on stderr once attached: "Tracing WHAT: metrics to
 * PATH every N s".  After it the run prints nothing but errors (a daemon's journal is no place
 * for a stream of notes): lost and skipped events are counters in the file.  Without
 * --prom-file it does nothing; the tool prints its own interactive line.
 */
void loop_started(const struct common_opts *common, const char *what);

/* Install the SIGINT/SIGTERM handlers (loop_run does it too); for tools with their own loop. */
void loop_signals(void);
/* True once SIGINT or SIGTERM arrived. */
bool loop_stopping(void);

#endif /* KSCOPE_LOOP_H */
