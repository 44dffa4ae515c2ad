"""Run ``browser_run.py`` inside a fresh loopback-only network namespace and load what it wrote.

``run_session("chromium")`` creates ``ip netns add parley-br-<pid>-<n>`` with only ``lo`` up,
runs the driver in it (``ip netns exec … python browser_run.py --out <tmp> …``), then deletes
the namespace, killing by pid anything still running inside (``ip netns pids``). The driver stops
itself at its ``--deadline``; ``timeout`` is the last resort (SIGTERM, then SIGKILL).

Firefox needs a default route to gather host candidates: without one its ICE agent finds no
"default address" and fails at once ("Couldn't gather ICE candidates"); with
``default dev lo src 127.0.0.1`` it gathers 127.0.0.1. The namespace still has only ``lo``:
nothing can leave it.

Environment: ``PARLEY_BROWSER_KEEP=1`` keeps the output directory (result.json, reports.json,
server.log, browser logs); ``PARLEY_BROWSER_CAPTURE=1`` also records ``lo.pcapng`` with tshark.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from browsers import NetNamespace

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "browser_run.py"
_counter = itertools.count(1)


@dataclass
class Session:
    name: str
    out: Path
    returncode: Optional[int]
    stdout: str
    stderr: str
    result: dict[str, Any] = field(default_factory=dict)
    reports: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    harness_error: Optional[str] = None

    # ---- what the pages said ------------------------------------------------------------------

    def records(self, page: str, kind: Optional[str] = None) -> list[dict[str, Any]]:
        return [r for r in self.reports.get(page, []) if kind is None or r.get("kind") == kind]

    def last_stats(self, key: str) -> dict[str, Any]:
        """``key`` is ``"<page>/<pc>"``, e.g. ``"subscriber/subscriber"``."""
        return self.result.get("last_stats", {}).get(key, {})

    def console(self, page: str, lines: int = 25) -> str:
        recs = [r for r in self.reports.get(page, []) if r.get("kind") in ("console", "error")]
        text = [f"  [{r.get('t')} ms] {r.get('level', 'error')}: {r.get('text')}" for r in recs[-lines:]]
        return "\n".join(text) or "  (nothing)"

    def log_tail(self, filename: str, lines: int = 40, grep: Optional[str] = None) -> str:
        try:
            text = (self.out / filename).read_text("utf-8", "replace").splitlines()
        except OSError as exc:
            return f"(no {filename}: {exc})"
        if grep:
            text = [line for line in text if grep in line]
        return "\n".join(line[:400] for line in text[-lines:])

    def describe_failure(self) -> str:
        """Everything needed to see why a run failed: driver error, steps per page, page console
        and errors, the server log tail, the browsers' log tails."""
        r = self.result
        parts = [f"browser session '{self.name}' (driver exit {self.returncode}, output {self.out})"]
        if self.harness_error:
            parts.append(f"harness: {self.harness_error}")
        parts.append(f"error: {r.get('error')}")
        parts.append(f"step: {r.get('step')}")
        for page, steps in (r.get("steps") or {}).items():
            parts.append(f"{page} steps: {' -> '.join(steps)}")
        for page in ("publisher", "subscriber"):
            parts.append(f"{page} console/errors:\n{self.console(page)}")
        samples = r.get("decoded_samples") or []
        parts.append(f"subscriber video samples [t ms, framesDecoded, framesReceived, packetsReceived, w, h]: {samples[-6:]}")
        for key in ("publisher/publisher", "subscriber/subscriber"):
            stats = self.last_stats(key)
            if stats:
                parts.append(f"{key} last stats: transport={stats.get('transport')} pair={stats.get('pair')} "
                             f"outbound={stats.get('outbound')} inbound={stats.get('inbound')}")
        parts.append(f"proxied requests: {r.get('proxy_log')}")
        parts.append("--- server log tail ---\n" + self.log_tail("server.log", 50))
        for log in sorted(self.out.glob("*-chromium.log")) + sorted(self.out.glob("*-firefox.log")):
            parts.append(f"--- {log.name} (tail) ---\n" + self.log_tail(log.name, 25))
        if self.stderr.strip():
            parts.append("--- driver stderr ---\n" + self.stderr[-3000:])
        return "\n".join(parts)


def run_session(browser: str, *, subscriber_browser: Optional[str] = None, audio: bool = False, simulcast: bool = False,
                want_frames: int = 90, deadline: float = 60.0, timeout: float = 85.0,
                default_route: Optional[bool] = None, extra_args: Optional[list[str]] = None) -> Session:
    """One publisher page in ``browser`` and one subscriber page in ``subscriber_browser``
    (default: the same) against a fresh Parley, all inside a new namespace.
    ``default_route``: add ``default dev lo src 127.0.0.1`` (default: when Firefox takes part)."""
    subscriber_browser = subscriber_browser or browser
    if default_route is None:
        default_route = "firefox" in (browser, subscriber_browser)
    name = f"{browser}->{subscriber_browser}" + (" simulcast" if simulcast else "") + (" audio" if audio else "")
    out = Path(tempfile.mkdtemp(prefix=f"parley-browser-{browser}-"))
    why_not = NetNamespace.available()
    if why_not:
        return Session(name, out, None, "", "", harness_error=f"cannot create a network namespace: {why_not}")
    command = [sys.executable, str(DRIVER), "--out", str(out), "--browser", browser,
               "--subscriber-browser", subscriber_browser, "--want-frames", str(want_frames), "--deadline", str(deadline)]
    if audio:
        command.append("--audio")
    if simulcast:
        command += ["--simulcast", "--width", "1280", "--height", "720"]
    if os.environ.get("PARLEY_BROWSER_CAPTURE"):
        command.append("--capture")
    command += extra_args or []

    namespace = NetNamespace(f"parley-br-{os.getpid()}-{next(_counter)}")
    session = Session(name, out, None, "", "")
    try:
        namespace.create()
        if default_route:
            namespace.add_default_route_via_lo()
        process = subprocess.Popen(namespace.wrap(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            session.stdout, session.stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)  # the driver cancels its flow and cleans up
            try:
                session.stdout, session.stderr = process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                session.stdout, session.stderr = process.communicate()
            session.harness_error = f"the driver ran longer than {timeout} s"
        session.returncode = process.returncode
    except Exception as exc:  # noqa: BLE001 - reported through the session
        session.harness_error = f"{type(exc).__name__}: {exc}"
    finally:
        namespace.kill_remaining()
        namespace.delete()
    try:
        session.result = json.loads((out / "result.json").read_text())
    except (OSError, ValueError) as exc:
        session.harness_error = (session.harness_error or "") + f" no result.json ({exc})"
    try:
        session.reports = json.loads((out / "reports.json").read_text())
    except (OSError, ValueError):
        pass
    return session


def discard(session: Session) -> None:
    """Remove the output directory unless ``PARLEY_BROWSER_KEEP`` is set."""
    if not os.environ.get("PARLEY_BROWSER_KEEP"):
        shutil.rmtree(session.out, ignore_errors=True)
