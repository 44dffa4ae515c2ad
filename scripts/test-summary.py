#!/usr/bin/env python3
"""Count passed/failed tests for scripts/test.

usage: test-summary.py swift SWIFT_TEST_LOG EXIT_CODE   -> prints "PASSED FAILED"
       test-summary.py junit JUNIT_XML EXIT_CODE        -> prints "PASSED FAILED"

swift: XCTest's last "Executed N tests, with [K tests skipped and] M failures" line (the 'All tests'
suite; skipped tests count neither way) plus Swift
Testing's "Test run with N tests ... passed|failed" line, whose failed tests are the
"✘ Test … failed after" lines. junit: pytest's --junitxml totals. A non-zero exit code with no
failure counted (a crash, a compile error, no report) counts as one failed test.
"""

import re
import sys
import xml.etree.ElementTree as ET


def swift_counts(text: str) -> tuple[int, int]:
    passed = failed = 0
    # "Executed 450 tests, with 0 failures" or "..., with 1 test skipped and 0 failures".
    xctest = re.findall(r"Executed (\d+) tests?, with (?:(\d+) tests? skipped and )?(\d+) failures?", text)
    if xctest:
        total, skipped, failures = (int(v or 0) for v in xctest[-1])
        passed += total - failures - skipped
        failed += failures
    runs = re.findall(r"Test run with (\d+) tests?\b[^\n]*?\b(passed|failed)\b", text)
    if runs:
        total = int(runs[-1][0])
        st_failed = len(re.findall(r"^\S*\s*Test (?!run with)[^\n]* failed after", text, re.M))
        if runs[-1][1] == "failed":
            st_failed = max(st_failed, 1)
        passed += max(total - st_failed, 0)
        failed += st_failed
    return passed, failed


def junit_counts(path: str) -> tuple[int, int]:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return 0, 0
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    passed = failed = 0
    for suite in suites:
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        passed += tests - bad - skipped
        failed += bad
    return passed, failed


def main() -> int:
    kind, path, code = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "swift":
        with open(path, encoding="utf-8", errors="replace") as f:
            passed, failed = swift_counts(f.read())
    elif kind == "junit":
        passed, failed = junit_counts(path)
    else:
        print(f"unknown kind {kind}", file=sys.stderr)
        return 2
    if code != 0 and failed == 0:
        failed = 1
    print(passed, failed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
