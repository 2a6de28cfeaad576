# SPDX-License-Identifier: GPL-2.0-or-later
"""The test suites that scripts/test.sh runs: one module each, each
printing TAP (harness.tap) and exiting non-zero if a test failed.

    python3 -m harness.suites.NAME    NAME: smoke tcg linux migration kvm"""
