#!/usr/bin/env python3
"""One browser session against Parley: a publisher page and a subscriber page, run to a result.

Meant to run INSIDE a loopback-only network namespace (``test_chromium.py`` wraps it in
``ip netns exec``; by hand: ``ip netns add t; ip netns exec t ip link set lo up;
ip netns exec t python3 tests/browser/browser_run.py --out /tmp/run; ip netns del t``).

1. ``parley serve`` on free loopback ports with a temporary SQLite database
   (``tests/e2e/parley_process.py``, log level debug; ``$PARLEY_BINARY`` picks the executable).
2. Three users with ``parley token``; each makes one authenticated request (the server records
   users from tokens); the publisher creates a group room with the subscriber and a third
   member, a permanent meeting, and starts it (``tests/e2e/meeting_setup.py``).
3. ``page_server.PageServer`` serves ``page/`` and proxies the API on 127.0.0.2 and 127.0.0.3.
4. One browser process opens ``http://127.0.0.2:<port>/#role=publisher…``, a second one
   ``http://127.0.0.3:<port>/#role=subscriber…`` (own profiles, own hosts: two cookie jars). The
   pages join and run the WSC flow by themselves and report to the page server.
5. Ends when the subscriber page has decoded ``--want-frames`` video frames and ``--extra-samples``
   further stats samples arrived, when a page reports a fatal error, when the browser exits, or at
   ``--deadline`` seconds. Then the browser and the server are stopped (SIGTERM).

Writes ``<out>/result.json`` (see ``RunResult``), ``<out>/reports.json`` (every record the pages
sent), ``<out>/server.log``, ``<out>/publisher-<browser>.log`` and ``<out>/subscriber-<browser>.log``
(and ``<out>/lo.pcapng`` with ``--capture``: tshark on ``lo``, the media port's UDP). Exit code 0 when the flow reached the
frame target, 1 otherwise (the JSON says why), 2 on a harness error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import signal
import sys
import time
import traceback
import urllib.parse
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))

from browsers import BrowserProcess  # noqa: E402
from meeting_setup import close_all, mint_users, started_meeting  # noqa: E402
from page_server import PageServer  # noqa: E402
from parley_process import ParleyProcess  # noqa: E402
from wsc_client import WscClient  # noqa: E402

PUBLISHER_HOST = "127.0.0.2"
SUBSCRIBER_HOST = "127.0.0.3"


@dataclass
class RunResult:
    browser: str = ""
    subscriber_browser: str = ""
    simulcast: bool = False
    audio: bool = False
    layer_switch: bool = False
    # the subscriber page's "layers" records (layerSwitch=1): phases top/narrower/limited/restored/done
    layers: list[dict[str, Any]] = field(default_factory=list)
    step: str = "not started"
    reached_target: bool = False
    error: Optional[str] = None
    page_errors: dict[str, list[str]] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    meeting_id: str = ""
    media_port: int = 0
    # seconds on the driver's clock, from the browser's start
    first_frame_after_launch: Optional[float] = None
    first_frame_after_answer_ms: Optional[int] = None  # first stats sample with framesDecoded > 0
    first_frame_rendered_after_answer_ms: Optional[int] = None  # requestVideoFrameCallback
    # from the later of the two video peer connections reaching "connected" to the subscriber's
    # first rendered frame (page wall clocks): how long the SFU takes to get a keyframe through
    first_frame_after_both_connected_ms: Optional[int] = None
    # audio peer connections (--audio): last inbound audio stats per page
    audio_inbound: dict[str, Any] = field(default_factory=dict)
    # subscriber video samples [(t_ms page clock, framesDecoded, framesReceived, packetsReceived, width, height)]
    decoded_samples: list[list[Any]] = field(default_factory=list)
    track_stream_ids: list[list[str]] = field(default_factory=list)
    steps: dict[str, list[str]] = field(default_factory=dict)
    audio_outcome: dict[str, Any] = field(default_factory=dict)
    publisher_offer: str = ""
    publisher_answer: str = ""
    subscriber_offer: str = ""
    subscriber_answer: str = ""
    last_stats: dict[str, Any] = field(default_factory=dict)
    proxy_log: list[str] = field(default_factory=list)
    server_exit_code: Optional[int] = None
    server_alive_at_end: Optional[bool] = None
    browser_alive_at_end: Optional[bool] = None
    duration: float = 0.0
    files: dict[str, str] = field(default_factory=dict)


def page_url(host: str, port: int, **params: str) -> str:
    return f"http://{host}:{port}/#" + urllib.parse.urlencode(params)


def video_samples(server: PageServer, page: str) -> list[list[Any]]:
    rows = []
    for record in server.records(page, "stats"):
        if record.get("pc") != "subscriber":
            continue
        videos = [s for s in record["summary"].get("inbound", []) if s.get("kind") == "video"]
        if not videos:
            continue
        rows.append([record["t"], sum(s.get("framesDecoded", 0) for s in videos), sum(s.get("framesReceived", 0) for s in videos),
                     sum(s.get("packetsReceived", 0) for s in videos), videos[0].get("frameWidth"), videos[0].get("frameHeight")])
    return rows


def fatal_errors(server: PageServer) -> dict[str, list[str]]:
    out = {}
    for page, records in server.reports.items():
        errors = [r.get("text", "") for r in records if r.get("kind") == "error"]
        if errors:
            out[page] = errors
    return out


def last_sdp(server: PageServer, page: str, pc: str, kind: str) -> str:
    found = [r for r in server.records(page, "sdp") if r.get("pc") == pc and r.get("type") == kind]
    return found[-1]["sdp"] if found else ""


async def run(args: argparse.Namespace, result: RunResult, out: Path) -> None:
    server = ParleyProcess(log_level=args.log_level)
    if args.room_bitrate:
        server.extra_env["PARLEY_MEDIA_ROOM_BITRATE"] = str(args.room_bitrate)
    # parley_process draws the secret with token_urlsafe, which starts with '-' one time in 64;
    # `parley token --secret -x…` then fails ("Missing value for '--secret'"). Draw again.
    while server.secret.startswith("-"):
        server.secret = secrets.token_urlsafe(32)
    result.media_port = server.media_port
    pages: Optional[PageServer] = None
    browsers: list[BrowserProcess] = []
    clients: list[WscClient] = []
    capture: Optional[asyncio.subprocess.Process] = None
    started = time.monotonic()
    # SIGTERM (the test's last-resort timeout) cancels the flow so that the finally block below
    # still stops the browsers and the server.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        result.step = "start parley serve"
        await asyncio.to_thread(server.start, 30)

        result.step = "parley token, room, meeting, start"
        # A group room needs two members besides its owner (spec §5.1): the third user only exists.
        pub_user, sub_user, other = await mint_users(server, ["Paula Publisher", "Simon Subscriber", "Mira Member"])
        result.user_ids = {"publisher": pub_user.user_id, "subscriber": sub_user.user_id}
        for user in (pub_user, sub_user, other):
            client = WscClient(server.base_url, user.token, user_id=user.user_id, label=user.name)
            await client.open()
            await client.list_meetings()  # the first authenticated request records the user
            clients.append(client)
        _, meeting = await started_meeting(clients[0], clients[1:], "browser meeting")
        result.meeting_id = meeting["id"]

        if args.capture:
            result.step = "tshark on lo"
            capture = await start_capture(out / "lo.pcapng", server.media_port)
            result.files["capture"] = str(out / "lo.pcapng")

        result.step = "page server"
        pages = await PageServer(server.base_url).start(hosts=(PUBLISHER_HOST, SUBSCRIBER_HOST))
        common = {"meetingId": meeting["id"], "audio": "1" if args.audio else "0", "statsMs": str(args.stats_ms)}
        pub_url = page_url(PUBLISHER_HOST, pages.port, role="publisher", label="publisher", userId=pub_user.user_id,
                           token=pub_user.token, simulcast="1" if args.simulcast else "0", mic="1" if args.audio else "0",
                           width=str(args.width), height=str(args.height), **common)
        sub_url = page_url(SUBSCRIBER_HOST, pages.port, role="subscriber", label="subscriber", userId=sub_user.user_id,
                           token=sub_user.token, layerSwitch="1" if args.layer_switch else "0", **common)

        # One browser process per page: headless Chromium opens a single target, and separate
        # profiles keep the two users' cookies apart anyway.
        result.step = f"launch {args.browser} (publisher) and {args.subscriber_browser} (subscriber)"
        browsers.append(BrowserProcess(args.browser, [pub_url], out, name=f"publisher-{args.browser}").start())
        browsers.append(BrowserProcess(args.subscriber_browser, [sub_url], out, name=f"subscriber-{args.subscriber_browser}").start())
        launched = time.monotonic()

        result.step = "pages run the WSC flow; waiting for decoded frames"
        deadline = started + args.deadline
        reached_at: Optional[int] = None
        while time.monotonic() < deadline:
            pages.changed.clear()
            samples = video_samples(pages, "subscriber")
            if samples and result.first_frame_after_launch is None:
                first = next((r for r in pages.records("subscriber", "first-frame")), None)
                if first is not None:
                    result.first_frame_after_launch = round(first["received"] - launched, 3)
                    result.first_frame_after_answer_ms = first.get("sinceAnswerMs")
            if result.first_frame_rendered_after_answer_ms is None:
                rendered = next((r for r in pages.records("subscriber", "first-frame-rendered")), None)
                if rendered is not None:
                    result.first_frame_rendered_after_answer_ms = rendered.get("sinceAnswerMs")
            if args.layer_switch:
                result.layers = [{k: v for k, v in r.items() if k not in ("kind", "wall")}
                                 for r in pages.records("subscriber", "layers")]
                if any(r.get("phase") == "done" for r in result.layers):
                    result.reached_target = True
                    break
            elif samples and samples[-1][1] >= args.want_frames and reached_at is None:
                reached_at = len(samples)
            if reached_at is not None and len(samples) >= reached_at + args.extra_samples:
                result.reached_target = True
                break
            fatal = [r for recs in pages.reports.values() for r in recs if r.get("kind") == "error" and r.get("fatal")]
            if fatal:
                result.error = f"a page failed: {fatal[0].get('text')}"
                await asyncio.sleep(1.0)  # let the failure dump arrive
                break
            dead = [b for b in browsers if not b.alive()]
            if dead:
                result.error = f"{dead[0].name} exited with code {dead[0].process.returncode}"
                break
            if not server.alive():
                result.error = "parley serve exited during the flow"
                break
            try:
                await asyncio.wait_for(pages.changed.wait(), 1.0)
            except asyncio.TimeoutError:
                pass
        else:
            result.error = (f"deadline: {args.deadline} s after start without the layer switches (reached: "
                            f"{[r.get('phase') for r in result.layers]})" if args.layer_switch else
                            f"deadline: {args.deadline} s after start without {args.want_frames} decoded frames")
        result.step = "done" if result.reached_target else result.step
    finally:
        result.duration = round(time.monotonic() - started, 2)
        if browsers:
            result.browser_alive_at_end = all(b.alive() for b in browsers)
        for browser in browsers:
            await asyncio.to_thread(browser.stop)
        if pages is not None:
            await collect(pages, result, out)
            await pages.stop()
        await close_all(*clients)
        if capture is not None and capture.returncode is None:
            capture.terminate()
            await capture.wait()
        result.server_alive_at_end = server.alive()
        result.server_exit_code = await asyncio.to_thread(server.stop, 10)
        if server.log_path.exists():
            shutil.copy(server.log_path, out / "server.log")
            result.files["server_log"] = str(out / "server.log")
        for browser in browsers:
            result.files[f"{browser.name}_log"] = str(browser.log_path)
            shutil.rmtree(browser.profile, ignore_errors=True)
        server.cleanup()


async def start_capture(path: Path, media_port: int) -> asyncio.subprocess.Process:
    """tshark on ``lo`` (inside the namespace: only this run's traffic), UDP of the media port."""
    process = await asyncio.create_subprocess_exec(
        "tshark", "-q", "-i", "lo", "-f", f"udp port {media_port}", "-w", str(path),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    try:  # tshark says "Capturing on 'Loopback: lo'" once it listens
        await asyncio.wait_for(process.stderr.readline(), 10)
    except asyncio.TimeoutError:
        pass
    return process


async def collect(pages: PageServer, result: RunResult, out: Path) -> None:
    result.decoded_samples = video_samples(pages, "subscriber")
    result.track_stream_ids = [r.get("streamIds", []) for r in pages.records("subscriber", "track")]
    result.steps = {page: [r["name"] for r in pages.records(page, "step")] for page in pages.reports}
    result.page_errors = fatal_errors(pages)
    result.audio_outcome = {page: [{k: v for k, v in r.items() if k not in ("kind", "received")} for r in pages.records(page, "audio")]
                            for page in pages.reports}
    result.publisher_offer = last_sdp(pages, "publisher", "publisher", "offer")
    result.publisher_answer = last_sdp(pages, "publisher", "publisher", "answer")
    result.subscriber_offer = last_sdp(pages, "subscriber", "subscriber", "offer")
    result.subscriber_answer = last_sdp(pages, "subscriber", "subscriber", "answer")
    last: dict[str, Any] = {}
    for page in pages.reports:
        for record in pages.records(page, "stats"):
            last[f"{page}/{record['pc']}"] = record["summary"]
    result.last_stats = last
    result.proxy_log = list(pages.proxy_log)
    connected = [next((r["wall"] for r in pages.records(page, "state")
                       if r.get("pc") == page and r.get("connectionState") == "connected"), None)
                 for page in ("publisher", "subscriber")]
    rendered = next(iter(pages.records("subscriber", "first-frame-rendered")), None)
    if None not in connected and rendered is not None:
        result.first_frame_after_both_connected_ms = rendered["wall"] - max(connected)  # type: ignore[type-var]
    for page in pages.reports:
        stats = [r for r in pages.records(page, "stats") if r.get("pc") == "audio"]
        inbound = [x for x in stats[-1]["summary"].get("inbound", []) if x.get("kind") == "audio"] if stats else []
        if inbound:
            result.audio_inbound[page] = {k: inbound[0].get(k) for k in
                                          ("packetsReceived", "bytesReceived", "totalAudioEnergy", "audioLevel", "totalSamplesReceived")}
    (out / "reports.json").write_text(json.dumps(pages.reports, indent=1, default=str))
    result.files["reports"] = str(out / "reports.json")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="directory for result.json, logs, reports")
    parser.add_argument("--browser", default="chromium", choices=["chromium", "firefox"], help="publisher's browser")
    parser.add_argument("--subscriber-browser", choices=["chromium", "firefox"], help="default: --browser")
    parser.add_argument("--simulcast", action="store_true", help="publisher sends rids h/m/l")
    parser.add_argument("--layer-switch", action="store_true",
                        help="subscriber limits its receive bandwidth (b=TIAS) and lifts it again; the run ends when "
                             "the frame width went down and back up")
    parser.add_argument("--room-bitrate", type=int, help="PARLEY_MEDIA_ROOM_BITRATE (REMB cap to publishers, bits/s)")
    parser.add_argument("--audio", action="store_true",
                        help="both pages also open the audio PeerConnection; the publisher turns its microphone on")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--want-frames", type=int, default=90)
    parser.add_argument("--extra-samples", type=int, default=2, help="stats samples to wait for after the target")
    parser.add_argument("--stats-ms", type=int, default=500)
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds for the whole run")
    parser.add_argument("--log-level", default="debug")
    parser.add_argument("--capture", action="store_true", help="tshark on lo (media port) into <out>/lo.pcapng")
    args = parser.parse_args()
    args.subscriber_browser = args.subscriber_browser or args.browser
    args.out.mkdir(parents=True, exist_ok=True)
    result = RunResult(browser=args.browser, subscriber_browser=args.subscriber_browser, simulcast=args.simulcast, audio=args.audio,
                       layer_switch=args.layer_switch)
    code = 0
    try:
        asyncio.run(run(args, result, args.out))
        code = 0 if result.reached_target else 1
    except asyncio.CancelledError:
        result.error = f"terminated (SIGTERM) at step '{result.step}'"
        code = 1
    except Exception as exc:  # noqa: BLE001 - written to result.json for the test to show
        result.error = f"harness error at step '{result.step}': {type(exc).__name__}: {exc}\n{traceback.format_exc()}"
        code = 2
    (args.out / "result.json").write_text(json.dumps(asdict(result), indent=1, default=str))
    print(json.dumps({"reached_target": result.reached_target, "error": result.error, "step": result.step,
                      "first_frame_after_launch": result.first_frame_after_launch,
                      "last_sample": result.decoded_samples[-1] if result.decoded_samples else None}))
    return code


if __name__ == "__main__":
    sys.exit(main())
