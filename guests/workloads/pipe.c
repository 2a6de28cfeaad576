// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ping-pong of one byte between the two threads of each pair, over two
 * pipes: every round trip is two sleeps and two wake-ups, where the
 * scheduler looks for an idle CPU (available_idle_cpu(), which asks
 * vcpu_is_preempted()). THREADS is rounded down to pairs (at least one);
 * an operation is one round trip.
 */
#include "workload.h"

struct pair {
	int ping[2];
	int pong[2];
};

static struct pair *pairs;

static void *pair_of(int i)
{
	return &pairs[i / 2];
}

static void ping_pong(struct wl_worker *w)
{
	struct pair *p = w->arg;
	char b = 0;

	if (w->id % 2 == 0) {
		/* The initiator stops the pair: EOF tells its partner. */
		while (!wl_stopped()) {
			if (write(p->ping[1], &b, 1) != 1 || read(p->pong[0], &b, 1) != 1)
				wl_die("ping");
			w->ops++;
		}
		close(p->ping[1]);
	} else {
		while (read(p->ping[0], &b, 1) == 1)
			if (write(p->pong[1], &b, 1) != 1)
				wl_die("pong");
	}
}

int main(int argc, char **argv)
{
	struct wl_opts o = { .name = "pipe" };
	int i;

	wl_parse(&o, argc, argv);
	o.threads = o.threads < 2 ? 2 : o.threads & ~1;
	pairs = calloc(o.threads / 2, sizeof(*pairs));
	if (!pairs)
		wl_die("alloc");
	for (i = 0; i < o.threads / 2; i++)
		if (pipe(pairs[i].ping) || pipe(pairs[i].pong))
			wl_die("pipe");
	wl_run_threads(&o, ping_pong, pair_of);
	return 0;
}
