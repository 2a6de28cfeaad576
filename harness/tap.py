# SPDX-License-Identifier: GPL-2.0-or-later
"""The one TAP writer of the harness's suites. scripts/test.sh counts
its "ok", "not ok" and "# SKIP" lines."""


class TAP:
    """With plan, "1..plan" comes first (a suite that knows its count);
    without, done() prints the plan after the last test."""

    def __init__(self, plan=None):
        self.n = 0
        self.failed = 0
        self.plan = plan
        if plan is not None:
            print("1..%d" % plan, flush=True)

    def ok(self, cond, desc, diag=""):
        """One test; on failure, diag's last 40 lines as diagnostics."""
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, desc), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc), flush=True)
            for line in str(diag).splitlines()[-40:]:
                print("#   " + line, flush=True)
        return cond

    def skip(self, desc, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, why), flush=True)

    def note(self, text):
        for line in text.splitlines():
            print("# " + line, flush=True)

    def done(self):
        """The exit status: 1 if a test failed or the count is off."""
        if self.plan is None:
            print("1..%d" % self.n, flush=True)
        elif self.n != self.plan:
            print("# planned %d tests, ran %d" % (self.plan, self.n), flush=True)
            return 1
        return 1 if self.failed else 0
