// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fork+exec+wait in N processes, UnixBench's execl path: fork copies the
 * parent's mm under mmap_lock (dup_mmap), exec builds a new one, and
 * the children come and go on every CPU. The exec'd program is this
 * one, with "--child": it exits at once.
 */
#include "workload.h"

#include <sys/mman.h>
#include <sys/wait.h>

struct shared {
	atomic_int stop;
	struct wl_worker w[];
};

int main(int argc, char **argv)
{
	struct wl_opts o = { .name = "forkexec" };
	char *child_argv[] = { "forkexec", "--child", NULL };
	const char *self = "/proc/self/exe";
	struct timespec ts;
	struct shared *sh;
	unsigned long ops = 0;
	double t0, t1;
	pid_t *pids;
	int i, st;

	if (argc == 2 && !strcmp(argv[1], "--child"))
		return 0;
	wl_parse(&o, argc, argv);
	/* Each child execs the binary it runs, which /proc/self/exe names. */
	if (access(self, X_OK))
		self = argv[0];
	sh = mmap(NULL, sizeof(*sh) + o.threads * sizeof(sh->w[0]),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(o.threads, sizeof(*pids));
	if (sh == MAP_FAILED || !pids)
		wl_die("alloc");
	t0 = wl_now();
	for (i = 0; i < o.threads; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			wl_die("fork");
		if (pids[i] == 0) {
			if (o.pin)
				wl_pin(i);
			while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
				pid_t c = fork();

				if (c < 0)
					wl_die("fork");
				if (c == 0) {
					execv(self, child_argv);
					_exit(127);
				}
				if (waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
				    WEXITSTATUS(st))
					_exit(1);
				sh->w[i].ops++;
			}
			_exit(0);
		}
	}
	ts.tv_sec = (time_t)o.secs;
	ts.tv_nsec = (long)((o.secs - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	atomic_store(&sh->stop, 1);
	t1 = wl_now();
	for (i = 0; i < o.threads; i++) {
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st)) {
			fprintf(stderr, "forkexec: worker %d failed\n", i);
			return 1;
		}
		ops += sh->w[i].ops;
	}
	wl_report(&o, ops, t1 - t0);
	return 0;
}
