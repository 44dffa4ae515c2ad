"""Forwarding scenarios (issue 4, "Measure"): Parley under `parley-load`, one table.

Run it through ``scripts/bench-forward --scenarios``. For each scenario MEETINGSxPARTICIPANTSxPUBLISHERS
(default ``1x51x1``: one publisher to 50 subscribers, and ``1x10x10``: a 10 x 10 meeting where every
participant publishes and receives the 9 others) this starts a fresh server (``ParleyProcess``: free
loopback ports, a new SQLite file), runs ``parley-load --target parley`` with VP8 at
``--video-bitrate`` (default 500k) for ``--duration`` seconds after the last join, stops the server,
and prints:

- forwarded packets/s: RTP packets the simulated subscribers received per second in parley-load's
  steady window (packets the server forwarded and that arrived);
- server CPU µs per forwarded packet: utime + stime of the server process over that window divided
  by those packets (parley-load reads ``/proc/<pid>/stat``), the part of it spent in the kernel
  ("sys") and the part of the busiest thread (the media event loop), from this script's own 0.5 s
  samples of ``/proc/<pid>/stat`` and ``/proc/<pid>/task/*/stat`` over the same window. On loopback
  the kernel delivers every sent datagram to the receiving socket in the sender's system time,
  which a real network card would not; the rest of the process (HTTP, WebSocket signaling,
  timers) costs about the same whatever the packet rate, so at low rates it inflates the
  per-packet figure;
- server CPU in % of one core, video loss (RFC 3550 counting, %), delay p99, participants flowing.

The load tool runs on the same machine and competes for the cores: numbers are comparable between
runs on one machine, not absolute. JSON and HTML reports of every run are kept in ``--out``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parley_process import ParleyProcess, ServerError  # noqa: E402

SCENARIO = re.compile(r"^(\d+)x(\d+)x(\d+)$")


def read_stat(path: str) -> Optional[tuple[str, float, float]]:
    """(command name, utime ticks, stime ticks) from a ``/proc/.../stat`` file, None if gone."""
    try:
        with open(path, "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    return name, float(fields[11]), float(fields[12])


class CPUSampler:
    """Samples utime and stime of one process, and utime + stime of each of its threads, every
    ``interval`` s (monotonic time; seconds)."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid = pid
        self.interval = interval
        # (time, user s, system s, {tid: (thread name, user + system s)})
        self.samples: list[tuple[float, float, float, dict[str, tuple[str, float]]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ticks = os.sysconf("SC_CLK_TCK")

    def read(self) -> Optional[tuple[float, float, float, dict[str, tuple[str, float]]]]:
        now = time.monotonic()
        process = read_stat(f"/proc/{self.pid}/stat")
        if process is None:
            return None
        threads: dict[str, tuple[str, float]] = {}
        try:
            tids = os.listdir(f"/proc/{self.pid}/task")
        except OSError:
            tids = []
        for tid in tids:
            stat = read_stat(f"/proc/{self.pid}/task/{tid}/stat")
            if stat:
                threads[tid] = (stat[0], (stat[1] + stat[2]) / self._ticks)
        return now, process[1] / self._ticks, process[2] / self._ticks, threads

    def _run(self) -> None:
        while not self._stop.is_set():
            sample = self.read()
            if sample:
                self.samples.append(sample)
            self._stop.wait(self.interval)

    def start(self) -> "CPUSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def window(self, start: float, end: float) -> Optional[tuple[float, float, str, float]]:
        """Between the samples nearest to ``start`` and ``end``: process user and system CPU
        seconds, and the name and CPU seconds of the busiest thread (the media event loop)."""
        if len(self.samples) < 2 or end <= start:
            return None
        a = min(self.samples, key=lambda s: abs(s[0] - start))
        b = min(self.samples, key=lambda s: abs(s[0] - end))
        if b[0] <= a[0]:
            return None
        busiest, busiest_cpu = "-", 0.0
        for tid, (name, cpu) in b[3].items():
            delta = cpu - a[3].get(tid, (name, 0.0))[1]
            if delta > busiest_cpu:
                busiest, busiest_cpu = name, delta
        return b[1] - a[1], b[2] - a[2], busiest, busiest_cpu


def run_scenario(args: argparse.Namespace, scenario: str, out: Path) -> dict:
    meetings, participants, publishers = (int(x) for x in SCENARIO.match(scenario).groups())
    server = ParleyProcess(args.binary)
    try:
        server.start(ready_timeout=30)
        sampler = CPUSampler(server.pid).start()
        report = out / f"parley-{scenario}.json"
        command = [str(args.load_binary), "--target", "parley", "--server", server.base_url,
                   "--server-pid", str(server.pid), "--meetings", str(meetings),
                   "--participants", str(participants), "--publishers", str(publishers),
                   "--video-bitrate", args.video_bitrate, "--video-size", args.video_size,
                   "--fps", str(args.fps), "--duration", str(args.duration), "--ramp", str(args.ramp),
                   "--quiet", "--report", str(report), "--html", str(out / f"parley-{scenario}.html")]
        env = dict(os.environ, PARLEY_TOKEN_SECRET=server.secret)
        print(f"==> scenario {scenario}: {meetings} meeting(s) x {participants} participants, "
              f"{publishers} publishing, {args.video_bitrate} VP8, {args.duration:.0f} s", file=sys.stderr, flush=True)
        # parley-load prints "leaving meetings…" on stderr right after its steady window ends.
        window_end: Optional[float] = None
        with open(out / f"parley-{scenario}.txt", "w") as text:
            load = subprocess.Popen(command, env=env, stdout=text, stderr=subprocess.PIPE, text=True)
            # parley-load bounds its own run; this only stops a hung one.
            watchdog = threading.Timer(args.duration + participants * meetings / args.ramp + 300, load.kill)
            watchdog.start()
            try:
                assert load.stderr is not None
                for line in load.stderr:
                    if window_end is None and line.startswith(("leaving meetings", "interrupted")):
                        window_end = time.monotonic()
                    text.write(line)
                load.wait(timeout=60)
            finally:
                watchdog.cancel()
        sampler.stop()
        if load.returncode != 0 or not report.is_file():
            raise ServerError(f"parley-load exited {load.returncode} (output: {out / f'parley-{scenario}.txt'})")
        summary = dict(json.loads(report.read_text())["summary"])
        steady = summary.get("steadySeconds")
        if window_end is not None and steady and summary.get("serverCPUMicrosPerPacket"):
            split = sampler.window(window_end - steady, window_end)
            if split and split[0] + split[1] > 0:
                total = split[0] + split[1]
                per_packet = summary["serverCPUMicrosPerPacket"]
                summary["serverSystemMicrosPerPacket"] = per_packet * split[1] / total
                summary["busiestThreadMicrosPerPacket"] = per_packet * split[3] / total
                summary["busiestThread"] = split[2]
        return summary
    finally:
        server.cleanup()


ROWS = [("forwarded packets/s", "forwardedPacketsPerSecond", "{:.0f}"),
        ("server CPU µs / forwarded packet", "serverCPUMicrosPerPacket", "{:.2f}"),
        ("  of which kernel (sys) µs", "serverSystemMicrosPerPacket", "{:.2f}"),
        ("  of which busiest thread µs", "busiestThreadMicrosPerPacket", "{:.2f}"),
        ("server CPU, % of a core", "serverCPUPercentMean", "{:.1f}"),
        ("server RSS max, MiB", "serverRSSMaxMiB", "{:.1f}"),
        ("video loss, %", "lossPercent", "{:.3f}"),
        ("delay p99, ms", "delayP99Ms", "{:.1f}"),
        ("participants flowing", "flowing", "{:.0f}"),
        ("participants failed", "failed", "{:.0f}"),
        ("steady window, s", "steadySeconds", "{:.1f}")]


def print_table(results: dict[str, dict]) -> None:
    scenarios = list(results)
    header = f"{'metric':<34}" + "".join(f"{s:>12}" for s in scenarios)
    print()
    print(header)
    print("-" * len(header))
    for label, key, fmt in ROWS:
        cells = []
        for s in scenarios:
            value = results[s].get(key)
            cells.append(fmt.format(value) if isinstance(value, (int, float)) else "-")
        print(f"{label:<34}" + "".join(f"{c:>12}" for c in cells))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", default=None,
                        help="MEETINGSxPARTICIPANTSxPUBLISHERS, repeatable (default 1x51x1 and 1x10x10)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds measured after the last join (default 60)")
    parser.add_argument("--ramp", type=float, default=10.0, help="joins per second (default 10)")
    parser.add_argument("--video-bitrate", default="500k", help="VP8 bitrate per publisher (default 500k)")
    parser.add_argument("--video-size", default="640x480")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--binary", type=Path, default=None, help="parley executable (default $PARLEY_BINARY)")
    parser.add_argument("--load-binary", type=Path, required=True, help="parley-load executable")
    parser.add_argument("--out", type=Path, default=None, help="directory for the reports (default: a temporary one)")
    args = parser.parse_args(argv)
    scenarios = args.scenario or ["1x51x1", "1x10x10"]
    for s in scenarios:
        if not SCENARIO.match(s):
            parser.error(f"scenario {s} is not MEETINGSxPARTICIPANTSxPUBLISHERS")
    if args.duration <= 4 or args.ramp <= 0:
        parser.error("--duration must be > 4 and --ramp > 0")
    out = args.out or Path(tempfile.mkdtemp(prefix="parley-bench-"))
    out.mkdir(parents=True, exist_ok=True)

    results: dict[str, dict] = {}
    failed = False
    for s in scenarios:
        try:
            results[s] = run_scenario(args, s, out)
        except (ServerError, subprocess.TimeoutExpired) as exc:
            print(f"FAILED: scenario {s}: {exc}", file=sys.stderr)
            results[s] = {}
            failed = True
    print_table(results)
    threads = sorted({r.get("busiestThread") for r in results.values() if r.get("busiestThread")})
    if threads:
        print(f"busiest thread: {', '.join(threads)} (the media event loop when media dominates)")
    print(f"\nreports: {out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
