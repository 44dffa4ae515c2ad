"""Forwarding benchmark (issue 2, "Measure"): 1 aiortc publisher -> N aiortc subscribers through
a running Parley on 127.0.0.1, for a fixed window. Run it through ``scripts/bench-forward``.

Prints the packets forwarded (the subscribers' inbound-rtp ``packetsReceived``, summed, counted
inside the window), the server's CPU seconds over the window (utime + stime from
``/proc/<pid>/stat``) and the CPU microseconds per forwarded packet.

Subscribers do not decode: aiortc would otherwise decode every received frame in a thread
(~8 % of a core per stream, PEERS.md), which on 2 cores would starve the server being measured.
``disable_decoding()`` swaps aiortc's decoder thread body for one that only counts the encoded
frames the jitter buffer completes. RTP/RTCP handling, SRTP, NACK/PLI and stats are untouched.

The publisher sends the frame-counter blocks over per-frame noise (``--content noise``, the
default) so the VP8 encoder runs at its target bitrate like a camera would; ``--content blocks``
sends the bare blocks (about one small packet per frame).
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import sys
import threading
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import framecode  # noqa: E402
from meeting_setup import close_all, connect_clients, mint_users, started_meeting  # noqa: E402
from parley_process import ParleyProcess, ServerError  # noqa: E402
from wsc_client import VideoPublisher, VideoSubscriber, WscError, describe_pc, rtp_stats  # noqa: E402

_assembled_frames = 0
_assembled_lock = threading.Lock()


def disable_decoding() -> None:
    """Replace aiortc's receiver decoder thread (``aiortc.rtcrtpreceiver.decoder_worker``) with
    one that drops encoded frames and counts them. Affects receivers started afterwards."""
    import aiortc.rtcrtpreceiver as receiver_module

    def counting_worker(loop, input_q, output_q, decode_error):
        global _assembled_frames
        while True:
            task = input_q.get()
            if task is None:
                asyncio.run_coroutine_threadsafe(output_q.put(None), loop)
                return
            with _assembled_lock:
                _assembled_frames += 1

    receiver_module.decoder_worker = counting_worker


def receiver_packets(receiver) -> int:
    """Packets received by one aiortc ``RTCRtpReceiver`` over all its SSRCs.

    These are the counters ``getStats()`` reports as inbound-rtp ``packetsReceived``; they are read
    per SSRC because aiortc's report keeps a single inbound-rtp entry per receiver, so an RTX
    SSRC would replace the media SSRC's count there."""
    streams = getattr(receiver, "_RTCRtpReceiver__remote_streams", None)
    if streams is None:
        raise RuntimeError("this aiortc version keeps receiver statistics elsewhere; update bench_forward.receiver_packets")
    return sum(s.packets_received for s in list(streams.values()))


def make_bench_track(width: int, height: int, fps: int, content: str):
    """The frame-counter track; with ``content == "noise"`` everything below the counter's top
    row of blocks is replaced by fresh noise each frame."""
    import av
    from aiortc import VideoStreamTrack
    from aiortc.mediastreams import MediaStreamError

    rng = np.random.default_rng(1)
    noise_from = height // framecode.ROWS
    time_base = fractions.Fraction(1, 90000)

    class BenchTrack(VideoStreamTrack):
        def __init__(self) -> None:
            super().__init__()
            self.frames_sent = 0
            self._start: Optional[float] = None

        async def recv(self):
            if self.readyState != "live":
                raise MediaStreamError
            if self._start is None:
                self._start = time.monotonic()
            else:
                delay = self._start + self.frames_sent / fps - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            image = framecode.draw_yuv420p(self.frames_sent, width, height)
            if content == "noise":
                # 8x8-pixel cells of fresh noise: new content every frame that the encoder's rate
                # control can still hold near its target bitrate (pixel noise would overshoot it).
                cells = rng.integers(16, 236, ((height - noise_from + 7) // 8, (width + 7) // 8), dtype=np.uint8)
                image[noise_from:height] = np.repeat(np.repeat(cells, 8, 0), 8, 1)[: height - noise_from, :width]
            frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
            frame.pts = int(self.frames_sent * 90000 / fps)
            frame.time_base = time_base
            self.frames_sent += 1
            return frame

    return BenchTrack()


async def run(args: argparse.Namespace, server: ParleyProcess) -> int:
    disable_decoding()
    names = ["Publisher"] + [f"Subscriber {i + 1}" for i in range(args.subscribers)]
    if args.subscribers < 2:
        names.append("Extra Member")  # a group room needs at least two members besides its creator
    users = await mint_users(server, names)
    clients = await connect_clients(server, users, ping_interval=5.0)
    publisher_client, subscriber_clients = clients[0], clients[1:1 + args.subscribers]
    publisher = None
    subscribers: list[VideoSubscriber] = []
    try:
        _room, meeting = await started_meeting(publisher_client, clients[1:], "bench-forward")
        mid = meeting["id"]
        for client in [publisher_client] + subscriber_clients:
            await client.join_meeting(mid)
        track = make_bench_track(args.width, args.height, args.fps, args.content)
        publisher = VideoPublisher(publisher_client, mid, track)
        await publisher.publish(timeout=10)
        subscribers = [VideoSubscriber(c, mid) for c in subscriber_clients]
        await asyncio.gather(*(s.subscribe([publisher_client.user_id], timeout=15) for s in subscribers))

        receivers = []
        for s in subscribers:
            remote = await s.wait_track(timeout=5)
            receivers.append(remote.receiver)

        # Wait until every subscriber receives media, then measure a clean window.
        deadline = time.monotonic() + args.start_timeout
        while time.monotonic() < deadline and not all(receiver_packets(r) > 0 for r in receivers):
            await asyncio.sleep(0.1)
        silent = [s.client.label for s, r in zip(subscribers, receivers) if receiver_packets(r) == 0]
        if silent:
            diags = [f"{s.client.label}: {await describe_pc(s.pc)}" for s in subscribers[:3]]
            print(f"FAILED: no RTP reached {len(silent)} of {len(subscribers)} subscribers within "
                  f"{args.start_timeout} s\n  publisher: {await describe_pc(publisher.pc)}\n  " + "\n  ".join(diags)
                  + f"\n{server.log_tail(40)}")
            return 1
        await asyncio.sleep(args.warmup)

        pub0 = await rtp_stats(publisher.pc)
        packets0 = [receiver_packets(r) for r in receivers]
        frames0 = _assembled_frames
        cpu0, own0, wall0 = server.cpu_seconds(), time.process_time(), time.monotonic()
        await asyncio.sleep(args.duration)
        cpu1, own1, wall1 = server.cpu_seconds(), time.process_time(), time.monotonic()
        packets1 = [receiver_packets(r) for r in receivers]
        frames1 = _assembled_frames
        pub1 = await rtp_stats(publisher.pc)

        window = wall1 - wall0
        sent = pub1["packetsSent"] - pub0["packetsSent"]
        sent_bytes = pub1["bytesSent"] - pub0["bytesSent"]
        per_subscriber = [b - a for a, b in zip(packets0, packets1)]
        forwarded = sum(per_subscriber)
        cpu = cpu1 - cpu0
        expected = sent * len(receivers)
        print(f"bench-forward: 1 publisher -> {len(receivers)} subscribers, {window:.1f} s window after "
              f"{args.warmup:.0f} s warm-up, {args.width}x{args.height}@{args.fps} VP8 ({args.content}), "
              f"server {server.binary}")
        print(f"  publisher sent:      {sent} RTP packets ({sent / window:.1f}/s, {sent_bytes * 8 / window / 1000:.0f} kbit/s)")
        print(f"  packets forwarded:   {forwarded} (subscribers' inbound-rtp packetsReceived; "
              f"{(100.0 * forwarded / expected) if expected else 0:.1f} % of {len(receivers)} x sent; "
              f"per subscriber min {min(per_subscriber)} max {max(per_subscriber)})")
        print(f"  frames assembled:    {frames1 - frames0} by all subscribers (not decoded)")
        print(f"  server CPU:          {cpu:.3f} s user+system (/proc/{server.pid}/stat; {100 * cpu / window:.1f} % of one core)")
        print(f"  CPU per packet:      {(cpu * 1e6 / forwarded) if forwarded else float('nan'):.1f} µs per forwarded packet")
        print(f"  benchmark process:   {own1 - own0:.2f} s CPU (publisher encode + {len(receivers)} aiortc receivers)")
        if forwarded == 0:
            print("FAILED: no packet forwarded during the window")
            return 1
        return 0
    finally:
        await close_all(*subscribers, *([publisher] if publisher else []), *clients)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=10, help="number of subscribers (default 10)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured window in seconds (default 30)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds between first packets and the window (default 3)")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=480)
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--content", choices=["noise", "blocks"], default="noise")
    parser.add_argument("--start-timeout", type=float, default=20.0, help="seconds to wait for media at every subscriber")
    parser.add_argument("--binary", type=Path, default=None, help="parley executable (default $PARLEY_BINARY or .build/debug/parley)")
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.duration <= 0:
        parser.error("--subscribers must be >= 1 and --duration > 0")

    server = ParleyProcess(args.binary)
    try:
        server.start(ready_timeout=30)
        return asyncio.run(run(args, server))
    except (ServerError, WscError) as exc:
        print(f"FAILED: {exc}\n{server.log_tail(40) if server.process else ''}")
        return 1
    finally:
        server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
