/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptpcheck: does this guest have a working KVM PTP clock? Run by
 * guests/linux/init ("ptp" mode) for the kvm suite (harness/suites/kvm.py):
 * mainline KVM serves that clock at 0x86000001, PV-lock's function ID, so
 * under pvlock=on the clock must be absent rather than read PV-lock
 * answers as time.
 *
 * Finds the PTP device whose clock_name is "KVM virtual PTP" and prints
 *   PTPCHECK none
 * or
 *   PTPCHECK dev=/dev/ptpN offset_ns=O advance_ns=A
 * where O is the PTP clock minus CLOCK_REALTIME (PTP_SYS_OFFSET, the
 * middle sample) and A how far the PTP clock moved while the guest slept
 * 200 ms by CLOCK_MONOTONIC. A clock fed by wrong answers shows up as a
 * huge offset or an advance far from 200 ms.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/ptp_clock.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define KVM_PTP_NAME "KVM virtual PTP"
#define FD_TO_CLOCKID(fd) ((~(clockid_t)(fd) << 3) | 3)

static int64_t ns(const struct ptp_clock_time *t)
{
	return (int64_t)t->sec * 1000000000 + t->nsec;
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int find_kvm_ptp(char *dev, size_t len)
{
	char path[64], name[64];

	for (int i = 0; i < 16; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/class/ptp/ptp%d/clock_name", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) &&
		    strncmp(name, KVM_PTP_NAME, strlen(KVM_PTP_NAME)) == 0) {
			fclose(f);
			snprintf(dev, len, "/dev/ptp%d", i);
			return 0;
		}
		fclose(f);
	}
	return -1;
}

int main(void)
{
	struct ptp_sys_offset off = { .n_samples = 5 };
	struct timespec a, b, nap = { 0, 200000000 };
	char dev[32];
	int fd;

	if (find_kvm_ptp(dev, sizeof(dev))) {
		printf("PTPCHECK none\n");
		return 0;
	}
	fd = open(dev, O_RDONLY);
	if (fd < 0) {
		printf("PTPCHECK error open %s: %m\n", dev);
		return 1;
	}
	/* ts[] is sys, phc, sys, phc, ..., sys: 2 * n_samples + 1 entries */
	if (ioctl(fd, PTP_SYS_OFFSET, &off)) {
		printf("PTPCHECK error PTP_SYS_OFFSET: %m\n");
		return 1;
	}
	int m = off.n_samples / 2 * 2;
	int64_t offset = ns(&off.ts[m + 1]) - (ns(&off.ts[m]) + ns(&off.ts[m + 2])) / 2;

	if (clock_gettime(FD_TO_CLOCKID(fd), &a) ||
	    clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL) ||
	    clock_gettime(FD_TO_CLOCKID(fd), &b)) {
		printf("PTPCHECK error clock_gettime: %m\n");
		return 1;
	}
	printf("PTPCHECK dev=%s offset_ns=%lld advance_ns=%lld\n", dev,
	       (long long)offset, (long long)(ts_ns(&b) - ts_ns(&a)));
	return 0;
}
