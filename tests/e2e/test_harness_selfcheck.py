"""Self-check of the e2e harness's own logic, without Parley: the frame-counter code, the SDP
helpers, and ``WscClient`` against a tiny in-process aiohttp stand-in for the WSC endpoints.

These make sure a failing e2e test points at the server, not at the harness."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import numpy as np
import pytest
from aiohttp import web

import framecode
from wsc_client import EventTimeout, HttpError, ProtocolError, WscClient, WscError, msid_streams_by_mid

# ---------------------------------------------------------------------------- frame counter


@pytest.mark.parametrize("counter", [0, 1, 2, 0x00FF, 0x1234, 0x8000, 0xFFFF])
def test_counter_round_trips(counter):
    assert framecode.read_counter_from_luma(framecode.draw_luma(counter, 320, 240)) == counter


def test_counter_wraps_at_16_bits():
    assert framecode.read_counter_from_luma(framecode.draw_luma(0x10005, 320, 240)) == 5


def test_every_single_block_error_is_detected():
    luma = framecode.draw_luma(0xBEEF, 320, 240)
    xs = [round(i * 320 / framecode.COLUMNS) for i in range(framecode.COLUMNS + 1)]
    ys = [round(i * 240 / framecode.ROWS) for i in range(framecode.ROWS + 1)]
    for index in range(framecode.BLOCKS):
        row, col = divmod(index, framecode.COLUMNS)
        corrupted = luma.copy()
        block = corrupted[ys[row]:ys[row + 1], xs[col]:xs[col + 1]]
        block[...] = framecode.LUMA_ONE + framecode.LUMA_ZERO - block  # flip black <-> white
        assert framecode.read_counter_from_luma(corrupted) is None, f"flip of block {index} went unnoticed"


def test_grey_or_noisy_blocks_are_unreadable_not_misread():
    assert framecode.read_counter_from_luma(np.full((240, 320), 128, np.uint8)) is None
    rng = np.random.default_rng(7)
    misreads = 0
    for _ in range(200):
        noise = rng.integers(0, 256, (240, 320), dtype=np.uint8)
        misreads += framecode.read_counter_from_luma(noise) is not None
    assert misreads == 0


def test_reading_is_independent_of_frame_size():
    small = framecode.draw_luma(777, 320, 240)
    doubled = np.kron(small, np.ones((2, 2), np.uint8))
    assert framecode.read_counter_from_luma(doubled) == 777
    assert framecode.read_counter_from_luma(np.zeros((4, 4), np.uint8)) is None


def test_yuv420p_frame_reads_back_through_pyav():
    import av

    frame = av.VideoFrame.from_ndarray(framecode.draw_yuv420p(4242, 320, 240), format="yuv420p")
    assert framecode.read_counter(frame) == 4242
    assert framecode.read_counter(frame.reformat(format="rgb24")) == 4242
    with pytest.raises(ValueError):
        framecode.draw_yuv420p(1, 321, 240)


def test_counter_track_paces_and_counts():
    track = framecode.make_counter_track(160, 120, fps=50)

    async def pull(n):
        return [await track.recv() for _ in range(n)]

    start = time.monotonic()
    frames = asyncio.run(pull(11))
    elapsed = time.monotonic() - start
    assert [framecode.read_counter(f) for f in frames] == list(range(11))
    assert [f.pts for f in frames][:3] == [0, 1800, 3600]  # 90 kHz ticks at 50 fps
    assert 0.18 <= elapsed < 1.0, elapsed
    assert track.frames_sent == 11


# ---------------------------------------------------------------------------- SDP helpers

SDP_TWO_SECTIONS = "\r\n".join([
    "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE v1 v2",
    "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:v1", "a=msid:alice/video track-a",
    "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:v2", "a=ssrc:1234 cname:x", "a=ssrc:1234 msid:bob/video track-b",
    "m=video 0 UDP/TLS/RTP/SAVPF 96", "a=inactive", "",
])


def test_msid_stream_ids_by_mid():
    assert msid_streams_by_mid(SDP_TWO_SECTIONS) == {"v1": "alice/video", "v2": "bob/video", "2": None}
    assert msid_streams_by_mid("") == {}
    assert msid_streams_by_mid("m=video 9 X 96\na=msid:") == {"0": None}


# ---------------------------------------------------------------------------- WscClient vs a stand-in


class StandIn:
    """Just enough of the WSC surface to exercise the client: /events, GET /meetings, a wrong
    Content-Type, an error, and hooks to push events or drop sockets."""

    def __init__(self) -> None:
        self.sockets: list[web.WebSocketResponse] = []
        self.request_headers: list[dict] = []
        self.token = "good-token"
        self.answer_pings = True
        app = web.Application()
        app.router.add_get("/events", self.events)
        app.router.add_get("/meetings", self.meetings)
        app.router.add_get("/charset", self.charset)
        app.router.add_post("/meetings/{id}/join", self.join)
        self.runner = web.AppRunner(app)
        self.base_url = ""

    def _authorised(self, request) -> bool:
        return request.cookies.get("ZM_AUTH_TOKEN") == self.token or request.headers.get("Authorization") == f"Bearer {self.token}"

    async def start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        await self.runner.cleanup()

    async def events(self, request):
        if not self._authorised(request):
            return web.Response(status=401)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"type": "websocketConnected", "queueId": str(uuid.uuid4())}))
        async for message in ws:
            if json.loads(message.data) == {"type": "ping"} and self.answer_pings:
                await ws.send_str('{"type":"pong"}')
        return ws

    async def push(self, event: dict) -> None:
        for ws in self.sockets:
            await ws.send_str(json.dumps(event))

    async def meetings(self, request):
        self.request_headers.append(dict(request.headers))
        if not self._authorised(request):
            return web.Response(status=401)
        return web.Response(body=b"[]", headers={"Content-Type": "application/json"})

    async def charset(self, request):
        return web.json_response([])  # aiohttp adds "; charset=utf-8"

    async def join(self, request):
        self.request_headers.append(dict(request.headers))
        return web.Response(status=500, body=b"boom")


def run_with_stand_in(body):
    async def main():
        stand_in = StandIn()
        await stand_in.start()
        try:
            return await body(stand_in)
        finally:
            await stand_in.stop()

    return asyncio.run(asyncio.wait_for(main(), 30))


def test_connect_queue_id_ping_pong_and_queue_id_header():
    async def body(s: StandIn):
        async with WscClient(s.base_url, s.token, user_id="u1", ping_interval=0.2) as c:
            assert await c.list_meetings() == []
            queue_id = await c.connect_events()
            uuid.UUID(queue_id)
            await asyncio.sleep(0.7)
            assert c.pongs_received >= 2 and c.ping_failures == []
            await c.list_meetings()
            assert "queue-id" not in s.request_headers[0]
            assert s.request_headers[1]["queue-id"] == queue_id
            assert s.request_headers[1]["Cookie"] == f"ZM_AUTH_TOKEN={s.token}"

    run_with_stand_in(body)


def test_missing_pongs_are_recorded():
    async def body(s: StandIn):
        s.answer_pings = False
        async with WscClient(s.base_url, s.token, user_id="u1", ping_interval=0.05, pong_timeout=0.1) as c:
            await c.connect_events()
            await asyncio.sleep(0.5)
            assert c.pongs_received == 0
            assert c.ping_failures and "no pong within 0.1 s" in c.ping_failures[0]

    run_with_stand_in(body)


def test_wait_for_event_matches_fields_and_respects_mark():
    async def body(s: StandIn):
        async with WscClient(s.base_url, s.token, user_id="u1", auth="bearer") as c:
            await c.connect_events()
            await s.push({"type": "MEETING_PARTICIPANT_JOINED", "meetingId": "m", "userId": "a"})
            first = await c.wait_for_event("MEETING_PARTICIPANT_JOINED", {"userId": "a"}, timeout=2)
            assert first["meetingId"] == "m"
            mark = c.mark()

            async def later():
                await asyncio.sleep(0.1)
                await s.push({"type": "MEETING_PARTICIPANT_JOINED", "meetingId": "m", "userId": "b"})

            task = asyncio.create_task(later())
            second = await c.wait_for_event("MEETING_PARTICIPANT_JOINED", lambda e: e["userId"] != "x", after=mark, timeout=2)
            await task
            assert second["userId"] == "b"
            with pytest.raises(EventTimeout) as info:
                await c.wait_for_event("MEETING_SDP_ANSWERED", {"meetingId": "m"}, timeout=0.2)
            message = str(info.value)
            assert "no MEETING_SDP_ANSWERED matching {'meetingId': 'm'} within 0.2 s" in message
            assert "MEETING_PARTICIPANT_JOINED{'meetingId': 'm', 'userId': 'b'}" in message

    run_with_stand_in(body)


def test_closed_websocket_fails_waits_at_once():
    async def body(s: StandIn):
        async with WscClient(s.base_url, s.token, user_id="u1") as c:
            await c.connect_events()
            await s.sockets[0].close()
            start = time.monotonic()
            with pytest.raises(WscError) as info:
                await c.wait_for_event("MEETING_SDP_OFFERED", timeout=5)
            assert time.monotonic() - start < 1
            assert "WebSocket closed by server" in str(info.value)

    run_with_stand_in(body)


def test_http_errors_and_content_type_are_reported():
    async def body(s: StandIn):
        async with WscClient(s.base_url, s.token, user_id="u1") as c:
            with pytest.raises(WscError, match="join needs a queue-id"):
                await c.join_meeting("m")
            await c.connect_events()
            with pytest.raises(HttpError) as info:
                await c.join_meeting("m")
            assert info.value.status == 500 and "-> HTTP 500, expected [200]; body: 'boom'" in str(info.value)
            with pytest.raises(ProtocolError, match="application/json; charset=utf-8"):
                await c.request("GET", "/charset")
        async with WscClient(s.base_url, "bad", user_id="u2") as bad:
            with pytest.raises(HttpError, match="HTTP 401"):
                await bad.list_meetings()
            with pytest.raises(WscError, match="upgrade of /events refused: HTTP 401"):
                await bad.connect_events()

    run_with_stand_in(body)


def test_unreachable_server_is_a_clear_error():
    async def body(_s: StandIn):
        async with WscClient("http://127.0.0.1:9", "t", user_id="u", request_timeout=2) as c:
            with pytest.raises(WscError, match=r"GET /meetings failed: ClientConnectorError"):
                await c.list_meetings()

    run_with_stand_in(body)

