# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu-pvlock: the QEMU side of arm64 paravirtualized lock support.
# Every target installs what it needs (Debian packages) on its own.

.PHONY: all run check check-series compare-pristine sanitize deps tree export build clean help \
	libvirt-check libvirt-tree libvirt-export libvirt-build

all: run

help:
	@echo "make run      build QEMU and boot a demo guest (the main job)"
	@echo "make check    build QEMU and run every test (the test command)"
	@echo "make check-series  build every step of the series (bisectability)"
	@echo "make compare-pristine  pvlock=off against pristine QEMU, and QEMU's tests on both, side by side"
	@echo "make sanitize the series' tests on an ASan+UBSan build (scripts/sanitize.sh)"
	@echo "make tree     prepare the QEMU work tree build/qemu (FORCE=1 discards edits)"
	@echo "make export   write the commits in build/qemu back as patches/ and qemu/"
	@echo "make build    incremental build of build/qemu-build/qemu-system-aarch64"
	@echo "make deps     install the Debian packages the project needs"
	@echo "make libvirt-check   build the patched libvirt and run its tests for libvirt/patches/"
	@echo "make libvirt-tree    prepare the libvirt work tree build/libvirt (FORCE=1 discards edits)"
	@echo "make libvirt-export  write the commits in build/libvirt back as libvirt/patches/"
	@echo "make libvirt-build   incremental build of the patched libvirtd, virsh and tests"
	@echo "make clean    remove build outputs (keeps the download cache)"

run:
	scripts/run-demo.sh

check:
	scripts/test.sh $(SUITES)

check-series:
	scripts/tree/check-series.sh

compare-pristine:
	QEMU_PVLOCK_PRISTINE_FULL=1 scripts/test.sh pristine

sanitize:
	scripts/sanitize.sh

deps:
	scripts/setup/install-deps.sh

tree:
	scripts/tree/prepare.sh $(if $(FORCE),--force)

export:
	scripts/tree/export.sh

build:
	scripts/build/qemu.sh

libvirt-check:
	scripts/libvirt/check.sh

libvirt-tree:
	scripts/libvirt/prepare.sh $(if $(FORCE),--force)

libvirt-export:
	scripts/libvirt/export.sh

libvirt-build:
	scripts/build/libvirt.sh

clean:
	rm -rf build
