"""API benchmark (issue 3 "Measure"): simulated WSC users cycling through a meeting on 127.0.0.1.

For each backend (SQLite file, then PostgreSQL) a fresh ``parley serve`` is started on free
loopback ports (``tests/e2e/parley_process.py``). Set-up, not measured: ``--meetings`` group rooms,
each created by an *anchor* owner who starts a permanent meeting and joins it for the whole run
(so the meeting is never stopped implicitly when its last participant leaves); ``--users``
simulated users, each with its own token (``parley token``) and its own WebSocket ``/events``
connection (its ``queue-id``), spread round-robin over the rooms as members.

Measured: every user loops, until ``--duration`` seconds have passed or it has done ``--cycles``
cycles, through

    POST /meetings/{meetingId}/join            {"audioStreamEnabled":false,"videoStreamEnabled":false}
    PUT  /meetings/{meetingId}/hand            {"raised":true}, then {"raised":false}
    PUT  /meetings/{meetingId}/audio           {"enabled":true}, then {"enabled":false}
    GET  /meetings
    POST /meetings/{meetingId}/leave

(audio is toggled without an audio offer: the server only records the flag and sends the event,
204). A cycle that has started is finished, so the run lasts slightly longer than ``--duration``;
requests/s is the request count over the real elapsed time. A failed join is followed by a leave
(to reset the participant) and a 50 ms pause instead of the rest of the cycle.

Printed per backend: requests/s overall, and per route (method + route template) the count,
requests/s, p50 and p99 latency in ms (client-side: from sending the request to the whole response
body read) and errors (non-2xx answers plus transport failures such as timeouts).

usage: bench_api.py [--binary PATH] [--users 200] [--meetings 20] [--duration 30] [--cycles N]
                    [--backends sqlite,postgres] [--postgres-url URL] [--log-level warning]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from meeting_setup import close_all, connect_clients, mint_users, started_meeting  # noqa: E402
from parley_process import ParleyProcess, ServerError  # noqa: E402
from wsc_client import WscClient, WscError  # noqa: E402

JOIN = ("POST", "/meetings/{meetingId}/join")
HAND = ("PUT", "/meetings/{meetingId}/hand")
AUDIO = ("PUT", "/meetings/{meetingId}/audio")
LIST = ("GET", "/meetings")
LEAVE = ("POST", "/meetings/{meetingId}/leave")
ROUTES = [JOIN, HAND, AUDIO, LIST, LEAVE]


class Server(ParleyProcess):
    """ParleyProcess with an optional database URL instead of its SQLite file."""

    def __init__(self, database_url: Optional[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.database_url = database_url

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.database_url:
            env["PARLEY_DATABASE_URL"] = self.database_url
        return env


def with_fresh_schema(url: str) -> str:
    """The URL with ``schema=parley_bench_<random>``: Parley creates its tables in a new schema."""
    return url + ("&" if "?" in url else "?") + "schema=parley_bench_" + uuid.uuid4().hex[:16]


@dataclass
class RouteStats:
    latencies_ms: list[float] = field(default_factory=list)  # of every answered request
    count: int = 0  # requests sent (answered or failed)
    errors: int = 0  # non-2xx answers and transport failures
    statuses: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Recorder:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], RouteStats] = {route: RouteStats() for route in ROUTES}
        self.events = 0  # WebSocket events received by the simulated users during the run

    async def call(self, client: WscClient, route: tuple[str, str], path: str, body: Optional[dict]) -> int:
        """One timed request with the client's token and queue-id; returns the status (0: failed)."""
        method = route[0]
        session = client._session  # noqa: SLF001 - the harness' aiohttp session of this user
        assert session is not None
        headers = client.auth_headers()
        if client.queue_id is not None:
            headers["queue-id"] = client.queue_id
        stats = self.routes[route]
        stats.count += 1
        started = time.perf_counter()
        try:
            async with session.request(method, client.base_url + path, headers=headers, json=body) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            stats.errors += 1
            stats.statuses[type(exc).__name__] += 1
            return 0
        stats.latencies_ms.append((time.perf_counter() - started) * 1000.0)
        stats.statuses[str(status)] += 1
        if not 200 <= status < 300:
            stats.errors += 1
        return status


async def user_loop(recorder: Recorder, client: WscClient, meeting_id: str, deadline: float, max_cycles: int) -> int:
    """Cycles until ``deadline`` (time.monotonic()) or ``max_cycles``; returns the cycles done."""
    base = f"/meetings/{meeting_id}"
    cycles = 0
    while cycles < max_cycles and time.monotonic() < deadline:
        cycles += 1
        recorder.events += len(client.received)
        client.received.clear()  # events are not inspected here: keep memory bounded
        status = await recorder.call(client, JOIN, base + "/join",
                                     {"audioStreamEnabled": False, "videoStreamEnabled": False})
        if not 200 <= status < 300:
            await recorder.call(client, LEAVE, base + "/leave", None)
            await asyncio.sleep(0.05)
            continue
        await recorder.call(client, HAND, base + "/hand", {"raised": True})
        await recorder.call(client, HAND, base + "/hand", {"raised": False})
        await recorder.call(client, AUDIO, base + "/audio", {"enabled": True})
        await recorder.call(client, AUDIO, base + "/audio", {"enabled": False})
        await recorder.call(client, LIST, "/meetings", None)
        await recorder.call(client, LEAVE, base + "/leave", None)
    return cycles


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (nan when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def report(backend: str, recorder: Recorder, elapsed: float, cycles: int, users: int, meetings: int,
           events: int, server_cpu: float) -> str:
    lines = [
        f"backend {backend}: {users} users in {meetings} meetings, {cycles} cycles in {elapsed:.1f} s, "
        f"{events} WebSocket events received, server CPU {server_cpu:.1f} s",
        f"  {'route':<38} {'count':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  statuses",
    ]
    everything: list[float] = []
    total = errors = 0
    for route in ROUTES:
        stats = recorder.routes[route]
        values = sorted(stats.latencies_ms)
        everything.extend(values)
        total += stats.count
        errors += stats.errors
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(stats.statuses.items()))
        lines.append(
            f"  {route[0] + ' ' + route[1]:<38} {stats.count:>8} {stats.count / elapsed:>8.1f} "
            f"{percentile(values, 0.50):>8.2f} {percentile(values, 0.99):>8.2f} {stats.errors:>7}  {statuses}"
        )
    everything.sort()
    lines.append(
        f"  {'ALL':<38} {total:>8} {total / elapsed:>8.1f} {percentile(everything, 0.50):>8.2f} "
        f"{percentile(everything, 0.99):>8.2f} {errors:>7}"
    )
    return "\n".join(lines)


async def run_backend(server: Server, args: argparse.Namespace, backend: str) -> str:
    meetings = max(1, min(args.meetings, args.users))
    anchors_users = await mint_users(server, [f"Owner {i}" for i in range(meetings)])
    sim_users = await mint_users(server, [f"User {i}" for i in range(args.users)])
    anchors: list[WscClient] = []
    clients: list[WscClient] = []
    try:
        anchors = await connect_clients(server, anchors_users, ping_interval=10.0)
        clients = await connect_clients(server, sim_users, ping_interval=10.0)
        groups: list[list[WscClient]] = [clients[i::meetings] for i in range(meetings)]
        meeting_of: dict[int, str] = {}
        for index, (anchor, members) in enumerate(zip(anchors, groups)):
            _, meeting = await started_meeting(anchor, members, f"bench {index}")
            await anchor.join_meeting(meeting["id"], audio=False, video=False)
            for member in members:
                meeting_of[id(member)] = meeting["id"]
        print(f"[{backend}] set-up done: {len(anchors)} rooms/meetings started, {len(clients)} users connected; "
              f"running {args.duration:g} s", flush=True)

        recorder = Recorder()
        for client in clients:
            client.received.clear()  # set-up events are not counted
        cpu_before = server.cpu_seconds()
        started = time.monotonic()
        deadline = started + args.duration
        cycles = await asyncio.gather(*(
            user_loop(recorder, c, meeting_of[id(c)], deadline, args.cycles) for c in clients
        ))
        elapsed = time.monotonic() - started
        try:
            server_cpu = server.cpu_seconds() - cpu_before
        except OSError:  # the server exited during the run
            server_cpu = math.nan
        events = recorder.events + sum(len(c.received) for c in clients)
        closed = [c.label for c in clients if c.closed_reason is not None]
        text = report(backend, recorder, elapsed, sum(cycles), len(clients), meetings, events, server_cpu)
        if closed:
            text += f"\n  WARNING: {len(closed)} WebSockets closed during the run (first: {closed[0]})"
        return text
    finally:
        await close_all(*clients, *anchors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", help="parley executable (default: $PARLEY_BINARY or .build/debug/parley)")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--meetings", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per backend")
    parser.add_argument("--cycles", type=int, default=100_000, help="upper bound of cycles per user")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres-url", help="postgres://… (a fresh schema is used); without it postgres is skipped")
    parser.add_argument("--postgres-skip-reason", default="no --postgres-url given")
    parser.add_argument("--log-level", default="warning", help="server --log-level (default warning)")
    args = parser.parse_args()
    if args.users < 1 or args.duration <= 0 or args.cycles < 1:
        parser.error("--users and --cycles must be ≥ 1, --duration > 0")
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in backends if b not in ("sqlite", "postgres")]
    if unknown:
        parser.error(f"unknown backend(s) {unknown}: use sqlite and/or postgres")

    status = 0
    outputs: list[str] = []
    for backend in backends:
        if backend == "postgres" and not args.postgres_url:
            outputs.append(f"backend postgres: SKIPPED ({args.postgres_skip_reason})")
            print(outputs[-1], flush=True)
            continue
        database = with_fresh_schema(args.postgres_url) if backend == "postgres" else None
        server = Server(database, binary=Path(args.binary) if args.binary else None, log_level=args.log_level)
        try:
            server.start()
            text = asyncio.run(run_backend(server, args, backend))
        except (ServerError, WscError) as exc:
            text = f"backend {backend}: FAILED: {exc}\n{server.log_tail(20)}"
            status = 1
        finally:
            server.cleanup()
        outputs.append(text)
        print(text, flush=True)
    if len(outputs) > 1:
        print("\n==== summary ====")
        print("\n".join(outputs))
    return status


if __name__ == "__main__":
    sys.exit(main())
