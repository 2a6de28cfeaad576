// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * mmap/munmap churn in one process: every mmap and munmap takes the
 * process's mmap_lock for writing, and the page fault that touches the
 * new mapping takes it for reading. Writers spin on the rwsem's owner
 * (osq_lock, vcpu_is_preempted() of the owner's CPU).
 */
#include "workload.h"

#include <sys/mman.h>

#define LEN (64 * 1024)

static void churn(struct wl_worker *w)
{
	while (!wl_stopped()) {
		char *p = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			wl_die("mmap");
		p[0] = 1;		/* a fault: mmap_lock for reading */
		if (munmap(p, LEN))
			wl_die("munmap");
		w->ops++;
	}
}

int main(int argc, char **argv)
{
	struct wl_opts o = { .name = "mmap" };

	wl_parse(&o, argc, argv);
	wl_run_threads(&o, churn, NULL);
	return 0;
}
