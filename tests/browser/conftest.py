"""pytest glue for the browser tests: the e2e harness (tests/e2e) on sys.path, and closing lines
with what each browser run measured."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))


def pytest_configure(config):
    config.parley_browser_lines = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for line in getattr(config, "parley_browser_lines", []):
        terminalreporter.write_line(line)
