#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Moved to scripts/setup/install-deps.sh. This forwarder stays only until
# build.sh, prepare-tree.sh and docs-test.sh call the new path.
exec "$(dirname "$0")/setup/install-deps.sh" "$@"
