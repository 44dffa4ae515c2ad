"""pytest glue for the e2e tests: a closing line with what the video test measured."""


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    line = getattr(config, "parley_e2e_summary", None)
    if line:
        terminalreporter.write_line(line)
