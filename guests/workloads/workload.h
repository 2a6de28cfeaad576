/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the guest workloads (static arm64 Linux programs, one per
 * kernel lock path): argument parsing, a timed run of N worker threads
 * and the one RESULT line that harness scripts parse.
 *
 *   NAME [-p] [-d DIR] THREADS SECONDS
 *     -p      pin worker i to CPU i modulo the online CPUs (measures the
 *             lock itself, not the scheduler's task placement)
 *     -d DIR  working directory, for the workloads that need one
 *
 * Prints: RESULT NAME threads=N ops=OPS secs=S ops_per_sec=R
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct wl_opts {
	const char *name;
	int threads;
	double secs;
	int pin;
	const char *dir;
};

/* One cache line per worker: the counters must not be a contended line. */
struct wl_worker {
	int id;
	unsigned long ops;
	void *arg;
} __attribute__((aligned(64)));

static atomic_int wl_stop;

static inline int wl_stopped(void)
{
	return atomic_load_explicit(&wl_stop, memory_order_relaxed);
}

static inline void wl_die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline double wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void wl_usage(const char *name)
{
	fprintf(stderr, "usage: %s [-p] [-d DIR] THREADS SECONDS\n", name);
	exit(2);
}

static inline void wl_parse(struct wl_opts *o, int argc, char **argv)
{
	int c;

	o->pin = 0;
	o->dir = "/tmp";
	while ((c = getopt(argc, argv, "pd:")) != -1) {
		switch (c) {
		case 'p':
			o->pin = 1;
			break;
		case 'd':
			o->dir = optarg;
			break;
		default:
			wl_usage(o->name);
		}
	}
	if (argc - optind != 2)
		wl_usage(o->name);
	o->threads = atoi(argv[optind]);
	o->secs = strtod(argv[optind + 1], NULL);
	if (o->threads < 1 || o->secs <= 0)
		wl_usage(o->name);
}

static inline void wl_pin(int i)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(i % (n > 0 ? n : 1), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		wl_die("sched_setaffinity");
}

static inline void wl_report(const struct wl_opts *o, unsigned long ops, double secs)
{
	printf("RESULT %s threads=%d ops=%lu secs=%.3f ops_per_sec=%.1f\n",
	       o->name, o->threads, ops, secs, ops / secs);
	fflush(stdout);
}

struct wl_thread_ctx {
	const struct wl_opts *o;
	struct wl_worker *w;
	void (*fn)(struct wl_worker *w);
	pthread_barrier_t *start;
};

static inline void *wl_thread(void *p)
{
	struct wl_thread_ctx *c = p;

	if (c->o->pin)
		wl_pin(c->w->id);
	pthread_barrier_wait(c->start);
	c->fn(c->w);
	return NULL;
}

/*
 * Run fn in o->threads threads for o->secs seconds; fn loops until
 * wl_stopped() and counts its operations in w->ops. arg(i) gives each
 * worker its argument (may be NULL). Returns nothing: prints RESULT.
 */
static inline void wl_run_threads(const struct wl_opts *o, void (*fn)(struct wl_worker *),
				  void *(*arg)(int i))
{
	struct wl_worker *w = aligned_alloc(64, sizeof(*w) * o->threads);
	struct wl_thread_ctx *c = calloc(o->threads, sizeof(*c));
	pthread_t *t = calloc(o->threads, sizeof(*t));
	pthread_barrier_t start;
	struct timespec ts;
	unsigned long ops = 0;
	double t0, t1;
	int i;

	if (!w || !c || !t)
		wl_die("alloc");
	memset(w, 0, sizeof(*w) * o->threads);
	/* Everyone, main included, starts the clock at the same moment. */
	pthread_barrier_init(&start, NULL, o->threads + 1);
	for (i = 0; i < o->threads; i++) {
		w[i].id = i;
		w[i].arg = arg ? arg(i) : NULL;
		c[i] = (struct wl_thread_ctx){ o, &w[i], fn, &start };
		if (pthread_create(&t[i], NULL, wl_thread, &c[i]))
			wl_die("pthread_create");
	}
	pthread_barrier_wait(&start);
	t0 = wl_now();
	ts.tv_sec = (time_t)o->secs;
	ts.tv_nsec = (long)((o->secs - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	atomic_store(&wl_stop, 1);
	t1 = wl_now();
	for (i = 0; i < o->threads; i++) {
		pthread_join(t[i], NULL);
		ops += w[i].ops;
	}
	wl_report(o, ops, t1 - t0);
}

#endif
