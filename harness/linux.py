# SPDX-License-Identifier: GPL-2.0-or-later
"""The Linux test guest: Debian's arm64 cloud kernel and a busybox
initramfs around guests/linux/init, prepared (and cached) by
scripts/setup/fetch-linux-guest.sh. Used by the linux, migration and kvm
suites and the TCG benchmark."""

import os

from harness import script


class LinuxGuest:
    def __init__(self):
        self.kernel, self.initrd = script("scripts/setup/fetch-linux-guest.sh")[-2:]
        d = os.path.dirname(self.kernel)
        # The Debian package the kernel came from, for the suites' notes.
        with open(os.path.join(d, "kernel-package")) as f:
            self.package = f.read().strip()
        # The initramfs's tree: the kvm suite reuses its arm64 busybox.
        self.root = os.path.join(d, "root")

    def args(self, *append):
        """-kernel/-initrd/-append for QEMU; append: words for
        guests/linux/init ("loop", "bootonly")."""
        return ["-kernel", self.kernel, "-initrd", self.initrd,
                "-append", " ".join(("console=ttyAMA0", "quiet") + append)]


_guest = None


def guest():
    """The prepared guest; fetched once per process."""
    global _guest
    if _guest is None:
        _guest = LinuxGuest()
    return _guest
