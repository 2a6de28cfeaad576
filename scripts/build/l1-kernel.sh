#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The nested KVM host (L1) kernel, with the reference PV-lock host
# handler: kept for its callers (harness/nested.py); kernel.sh builds it.
# Prints the Image's path.

exec "$(dirname "$0")/kernel.sh" host
