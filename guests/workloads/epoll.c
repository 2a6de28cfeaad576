// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * epoll_ctl(ADD) and epoll_ctl(DEL) from every thread on one shared
 * epoll instance: both take that instance's ep->mtx, a mutex whose
 * waiters spin while the owner's vCPU runs.
 */
#include "workload.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>

static int epfd;

static void *own_eventfd(int i)
{
	int fd = eventfd(0, EFD_CLOEXEC);

	(void)i;
	if (fd < 0)
		wl_die("eventfd");
	return (void *)(long)fd;
}

static void add_del(struct wl_worker *w)
{
	int fd = (int)(long)w->arg;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	while (!wl_stopped()) {
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
			wl_die("epoll_ctl add");
		if (epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL))
			wl_die("epoll_ctl del");
		w->ops++;
	}
}

int main(int argc, char **argv)
{
	struct wl_opts o = { .name = "epoll" };

	wl_parse(&o, argc, argv);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		wl_die("epoll_create1");
	wl_run_threads(&o, add_del, own_eventfd);
	return 0;
}
