// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * create and unlink files in one directory (tmpfs by default, -d DIR):
 * both take the directory's i_rwsem for writing, an rwsem whose writers
 * spin on the owner.
 */
#include "workload.h"

#include <fcntl.h>
#include <sys/stat.h>

static char dir[4096];

static void create_unlink(struct wl_worker *w)
{
	char name[4200];
	int fd;

	snprintf(name, sizeof(name), "%s/f%d", dir, w->id);
	while (!wl_stopped()) {
		fd = open(name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0)
			wl_die("open");
		close(fd);
		if (unlink(name))
			wl_die("unlink");
		w->ops++;
	}
}

int main(int argc, char **argv)
{
	struct wl_opts o = { .name = "creat" };

	wl_parse(&o, argc, argv);
	/* Our own directory, so that only our threads take its lock. */
	snprintf(dir, sizeof(dir), "%s/creat.%d", o.dir, (int)getpid());
	if (mkdir(dir, 0700))
		wl_die("mkdir");
	wl_run_threads(&o, create_unlink, NULL);
	rmdir(dir);
	return 0;
}
