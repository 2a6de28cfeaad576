# SPDX-License-Identifier: GPL-2.0-or-later
"""The suites' test framework: unittest, with TAP from pycotap as QEMU's
functional tests produce it (tests/functional/qemu_test/testcase.py).

A suite is a module of unittest.TestCase classes (Suite): each test
method is a scenario (boot a guest, migrate it, ...), and each check in
it a subtest, self.ok(cond, desc, diag), so that one scenario checks
many things and a failed check does not stop the next one. What QEMU's
runner lacks is added here: pycotap reports test methods only, and
TAPResult reports each subtest as a TAP line of its own, with its
description, so that scripts/test.sh counts checks, not scenarios.

Run a suite as python3 -m harness.suites.NAME (Debian's python3, which
has python3-pycotap); its exit status is unittest's."""

import sys
import unittest

import pycotap


class TAPResult(pycotap.TAPTestResult):
    """pycotap's result, with one TAP line per subtest (check): "ok N -
    description", or "not ok" with the check's diagnostics after it. A
    test method that ran checks gets no line of its own when it ends
    well (its checks said it all); one that raised, or ran none, gets
    pycotap's. testsRun counts the lines, for the plan at the end."""

    def __init__(self, *args):
        super().__init__(*args)
        self.with_checks = set()

    def startTest(self, test):
        super().startTest(test)
        self.testsRun -= 1          # counted when a line is printed

    def _line(self, ok, desc, diag=(), directive=None):
        self.testsRun += 1
        self.output_stream.write("%s %d - %s%s\n" % (
            "ok" if ok else "not ok", self.testsRun, desc,
            " # " + directive if directive else ""))
        for line in list(diag)[-40:]:
            self.output_stream.write("#   %s\n" % line)
        self.output_stream.flush()

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        self.with_checks.add(test.id())
        if err is None:
            self._line(True, subtest._message)
        elif issubclass(err[0], test.failureException):
            self._line(False, subtest._message, str(err[1]).splitlines())
        else:
            self._line(False, subtest._message,
                       self._exc_info_to_string(err, test).splitlines())

    def addSkip(self, test, reason):
        if isinstance(test, unittest.case._SubTest):
            unittest.TestResult.addSkip(self, test, reason)
            self.with_checks.add(test.test_case.id())
            self._line(True, test._message, directive="SKIP " + reason)
            return
        self.testsRun += 1
        super().addSkip(test, reason)

    def addSuccess(self, test):
        if test.id() in self.with_checks:
            unittest.TestResult.addSuccess(self, test)
            return
        self.testsRun += 1
        super().addSuccess(test)

    def addError(self, test, err):
        self.testsRun += 1
        super().addError(test, err)

    def addFailure(self, test, err):
        self.testsRun += 1
        super().addFailure(test, err)


class TAPRunner(pycotap.TAPTestRunner):
    def run(self, test):
        result = TAPResult(self.output_stream, self.error_stream,
                           self.message_log, self.test_output_log)
        test(result)
        result.printErrors()
        return result


class Suite(unittest.TestCase):
    """A suite's scenarios. ok() and skip() are its checks; note() says
    what a reader of the TAP output should see beside them."""

    def ok(self, cond, desc, diag=""):
        """One check, a subtest: passes when cond is true; on failure,
        diag's last 40 lines are its diagnostics. Returns cond."""
        with self.subTest(desc):
            if not cond:
                self.fail(str(diag) or "(no diagnostics)")
        return bool(cond)

    def skip(self, desc, why):
        """A check that cannot run here, and why."""
        with self.subTest(desc):
            self.skipTest(why)

    @staticmethod
    def note(text):
        """Diagnostics: "# " lines in the TAP output."""
        for line in str(text).splitlines():
            sys.__stdout__.write("# %s\n" % line)
        sys.__stdout__.flush()


def main(module="__main__"):
    """Run a suite module's tests; the exit status says whether all
    passed (scripts/test.sh also counts the TAP lines)."""
    tests = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module])
    runner = TAPRunner(message_log=pycotap.LogMode.LogToDiagnostics,
                       test_output_log=pycotap.LogMode.LogToDiagnostics,
                       output_stream=sys.stdout)
    return 0 if runner.run(tests).wasSuccessful() else 1
