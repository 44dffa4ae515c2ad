"""A small asyncio client for the WSC meeting API (spec §1, §3, §4) plus aiortc media helpers.

REST and the WebSocket ``/events`` both go through aiohttp. One ``WscClient`` is one user with
one WebSocket connection (one ``queueId``)::

    async with WscClient(base_url, token, user_id=uid, label="alice") as alice:
        await alice.list_meetings()                 # records the user on the server
        await alice.connect_events()                # websocketConnected -> alice.queue_id
        room = await alice.create_group_room("r", [bob_id, carol_id])
        ...
        event = await alice.wait_for_event("MEETING_SDP_ANSWERED", {"meetingId": mid})

Every event received is kept in ``client.events`` (in arrival order); ``mark()`` returns the
current length so a later ``wait_for_event(..., after=mark)`` only looks at newer events. A
background task sends ``{"type":"ping"}`` every ``ping_interval`` seconds and counts pongs.

Media: ``VideoPublisher`` sends a track through ``PUT /media`` and applies the answer from
``MEETING_SDP_ANSWERED``; ``VideoSubscriber`` asks for ``PUT /media/subscribe``, answers the
server's ``MEETING_SDP_OFFERED`` through ``PUT /media/answer`` and maps each remote track to the
msid stream id of its m-line (``<userId>/video``).

aiortc runs its encoders on the event loop's default executor (PEERS.md): nothing here blocks
the loop: HTTP is aiohttp, and the one blocking helper users may need (``run_blocking``) uses a
separate executor.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional, Union

import aiohttp

# --------------------------------------------------------------------------------------------
# aiortc on loopback
# --------------------------------------------------------------------------------------------

_LOOPBACK_PATCHED = False


def use_loopback_ice(address: str = "127.0.0.1") -> None:
    """Make aioice gather only ``address`` as host candidate (it skips loopback by default).

    Idempotent. Call before creating any ``RTCPeerConnection`` (``new_peer_connection`` does)."""
    global _LOOPBACK_PATCHED
    if _LOOPBACK_PATCHED:
        return
    import aioice.ice

    def loopback_addresses(use_ipv4: bool = True, use_ipv6: bool = False) -> list[str]:
        return [address] if use_ipv4 else []

    aioice.ice.get_host_addresses = loopback_addresses
    _LOOPBACK_PATCHED = True


def new_peer_connection():
    """An ``RTCPeerConnection`` with no STUN/TURN server and loopback host candidates only."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    use_loopback_ice()
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


_BLOCKING_EXECUTOR = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="wsc-blocking")


async def run_blocking(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking call on an executor that is not the loop's default one (aiortc's)."""
    return await asyncio.get_running_loop().run_in_executor(_BLOCKING_EXECUTOR, fn, *args)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class WscError(Exception):
    """Any failure talking to the server; the message says who, what and what came instead."""


class HttpError(WscError):
    def __init__(self, label: str, method: str, path: str, status: int, body: bytes, expected: Iterable[int]):
        self.status, self.body = status, body
        text = body[:500].decode("utf-8", "replace")
        super().__init__(
            f"{label}: {method} {path} -> HTTP {status}, expected {sorted(expected)}; body: {text!r}"
        )


class ProtocolError(WscError):
    """The server answered, but not in the shape the WSC API prescribes."""


class EventTimeout(WscError):
    pass


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------

EventMatch = Union[None, dict, Callable[[dict], bool]]


def _matches(event: dict, event_type: str, match: EventMatch) -> bool:
    if event.get("type") != event_type:
        return False
    if match is None:
        return True
    if callable(match):
        return bool(match(event))
    return all(event.get(k) == v for k, v in match.items())


@dataclass
class ReceivedEvent:
    at: float  # time.monotonic() when received
    event: dict


class WscClient:
    """One WSC user: REST with its token, one WebSocket ``/events`` connection.

    ``auth`` is ``"cookie"`` (``ZM_AUTH_TOKEN``, what the WSC web client sends) or ``"bearer"``.
    ``strict_content_type``: JSON responses must carry ``Content-Type`` exactly
    ``application/json`` (spec §1.1), otherwise ``ProtocolError``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        user_id: str,
        label: str = "",
        auth: str = "cookie",
        ping_interval: float = 5.0,
        pong_timeout: float = 5.0,
        request_timeout: float = 10.0,
        strict_content_type: bool = True,
    ) -> None:
        if auth not in ("cookie", "bearer"):
            raise ValueError(f"auth must be 'cookie' or 'bearer', not {auth!r}")
        self.base_url = base_url.rstrip("/")
        self.token, self.user_id, self.auth = token, user_id, auth
        self.label = label or user_id[:8]
        self.ping_interval, self.pong_timeout = ping_interval, pong_timeout
        self.request_timeout = request_timeout
        self.strict_content_type = strict_content_type

        self.queue_id: Optional[str] = None
        self.received: list[ReceivedEvent] = []
        self.pings_sent = 0
        self.pongs_received = 0
        self.ping_failures: list[str] = []
        self.closed_reason: Optional[str] = None

        self._session: Optional[aiohttp.ClientSession] = None
        self._ws: Optional[aiohttp.ClientWebSocketResponse] = None
        self._reader: Optional[asyncio.Task] = None
        self._pinger: Optional[asyncio.Task] = None
        self._changed: Optional[asyncio.Condition] = None

    # ---- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> "WscClient":
        await self.open()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def open(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.request_timeout)
            )
            self._changed = asyncio.Condition()

    async def close(self) -> None:
        for task in (self._pinger, self._reader):
            if task is not None:
                task.cancel()
        for task in (self._pinger, self._reader):
            if task is not None:
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass
        self._pinger = self._reader = None
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        self._session = None

    # ---- REST -------------------------------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        if self.auth == "cookie":
            return {"Cookie": f"ZM_AUTH_TOKEN={self.token}"}
        return {"Authorization": f"Bearer {self.token}"}

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        expect: Iterable[int] = (200,),
        headers: Optional[dict[str, str]] = None,
        send_queue_id: bool = True,
    ) -> Any:
        """Send a request; returns the parsed JSON body (``None`` when empty).

        Raises ``HttpError`` on an unexpected status, ``ProtocolError`` on a JSON body whose
        ``Content-Type`` is not exactly ``application/json`` or that does not parse."""
        if self._session is None:
            await self.open()
        assert self._session is not None
        expected = tuple(expect)
        all_headers = self.auth_headers()
        if send_queue_id and self.queue_id is not None:
            all_headers["queue-id"] = self.queue_id  # the WSC client sends it once known (§1.1)
        all_headers.update(headers or {})
        kwargs: dict[str, Any] = {"headers": all_headers}
        if json_body is not None:
            kwargs["json"] = json_body
        try:
            async with self._session.request(method, self.base_url + path, **kwargs) as response:
                body = await response.read()
                status = response.status
                content_type = response.headers.get("Content-Type")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise WscError(f"{self.label}: {method} {path} failed: {type(exc).__name__}: {exc}") from exc
        if status not in expected:
            raise HttpError(self.label, method, path, status, body, expected)
        if not body:
            return None
        if self.strict_content_type and content_type != "application/json":
            raise ProtocolError(
                f"{self.label}: {method} {path} -> {status} with Content-Type {content_type!r}, "
                "expected exactly 'application/json' (spec §1.1)"
            )
        try:
            return json.loads(body)
        except ValueError as exc:
            raise ProtocolError(f"{self.label}: {method} {path} -> {status}, body is not JSON: {body[:200]!r}") from exc

    async def list_meetings(self) -> list:
        """``GET /meetings`` (M1). Also makes the server record this user."""
        return await self.request("GET", "/meetings")

    async def create_group_room(self, name: str, member_ids: Iterable[str]) -> dict:
        """``POST /rooms`` with type group; the caller becomes owner. 201 ``Room``."""
        body = {"type": "group", "name": name, "members": [{"userId": m, "owner": False} for m in member_ids]}
        return await self.request("POST", "/rooms", json_body=body, expect=(201,))

    async def create_meeting(self, room_id: str, name: str, meeting_type: str = "permanent") -> dict:
        """``POST /meetings`` (M2): 200 ``Meeting``."""
        body = {"name": name, "meetingType": meeting_type, "roomId": room_id}
        return await self.request("POST", "/meetings", json_body=body, expect=(200,))

    async def get_meeting(self, meeting_id: str) -> dict:
        return await self.request("GET", f"/meetings/{meeting_id}")

    async def start_meeting(self, meeting_id: str) -> dict:
        """``POST /meetings/{id}/start`` (M5), no body: 200 ``Meeting``."""
        return await self.request("POST", f"/meetings/{meeting_id}/start")

    async def join_meeting(self, meeting_id: str, *, audio: bool = False, video: bool = True) -> dict:
        """``POST /meetings/{id}/join`` (M7) with header ``queue-id``: 200 ``{status}``."""
        if self.queue_id is None:
            raise WscError(f"{self.label}: join needs a queue-id: call connect_events() first")
        body = {"audioStreamEnabled": audio, "videoStreamEnabled": video}
        return await self.request("POST", f"/meetings/{meeting_id}/join", json_body=body)

    async def leave_meeting(self, meeting_id: str) -> None:
        """``POST /meetings/{id}/leave`` (M8): 204."""
        await self.request("POST", f"/meetings/{meeting_id}/leave", expect=(204,))

    async def update_media(self, meeting_id: str, media_type: str, enabled: bool, sdp: Optional[str] = None) -> None:
        """``PUT /meetings/{id}/media`` (M11): 204; the answer comes as ``MEETING_SDP_ANSWERED``."""
        body: dict[str, Any] = {"type": media_type, "enabled": enabled}
        if sdp is not None:
            body["sdp"] = sdp
        await self.request("PUT", f"/meetings/{meeting_id}/media", json_body=body, expect=(204,))

    async def update_subscriptions(self, meeting_id: str, subscribe: list[dict], unsubscribe: list[dict]) -> None:
        """``PUT /meetings/{id}/media/subscribe`` (M13): 204; the offer comes as ``MEETING_SDP_OFFERED``."""
        body = {"subscribe": subscribe, "unsubscribe": unsubscribe}
        await self.request("PUT", f"/meetings/{meeting_id}/media/subscribe", json_body=body, expect=(204,))

    async def send_media_answer(self, meeting_id: str, sdp: str) -> None:
        """``PUT /meetings/{id}/media/answer`` (M12): 204."""
        await self.request("PUT", f"/meetings/{meeting_id}/media/answer", json_body={"sdp": sdp}, expect=(204,))

    # ---- WebSocket ----------------------------------------------------------------------------

    @property
    def events(self) -> list[dict]:
        return [r.event for r in self.received]

    def mark(self) -> int:
        """Index to pass as ``after=`` so a wait only considers events received from now on."""
        return len(self.received)

    def event_types(self, after: int = 0) -> list[str]:
        return [str(r.event.get("type")) for r in self.received[after:]]

    async def connect_events(self, timeout: float = 10.0) -> str:
        """Open ``GET /events``; returns the ``queueId`` of the first message
        ``{"type":"websocketConnected","queueId":<uuid>}`` (spec §4.1) and starts the reader
        and the ping task."""
        if self._session is None:
            await self.open()
        assert self._session is not None
        url = re.sub(r"^http", "ws", self.base_url) + "/events"
        try:
            self._ws = await asyncio.wait_for(
                self._session.ws_connect(url, headers=self.auth_headers(), autoping=True, heartbeat=None),
                timeout,
            )
        except aiohttp.WSServerHandshakeError as exc:
            raise WscError(f"{self.label}: WebSocket upgrade of /events refused: HTTP {exc.status} {exc.message}") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise WscError(f"{self.label}: WebSocket /events failed: {type(exc).__name__}: {exc}") from exc
        try:
            first = await asyncio.wait_for(self._ws.receive(), timeout)
        except asyncio.TimeoutError:
            raise EventTimeout(f"{self.label}: no websocketConnected message within {timeout} s of the upgrade") from None
        if first.type != aiohttp.WSMsgType.TEXT:
            raise ProtocolError(f"{self.label}: first /events message is {first.type.name}, expected TEXT websocketConnected")
        try:
            message = json.loads(first.data)
        except ValueError:
            raise ProtocolError(f"{self.label}: first /events message is not JSON: {first.data[:200]!r}") from None
        if not isinstance(message, dict) or message.get("type") != "websocketConnected":
            raise ProtocolError(f"{self.label}: first /events message is {message!r}, expected websocketConnected")
        queue_id = message.get("queueId")
        try:
            uuid.UUID(str(queue_id))
        except ValueError:
            raise ProtocolError(f"{self.label}: websocketConnected.queueId {queue_id!r} is not a UUID") from None
        self.queue_id = str(queue_id)
        self._reader = asyncio.create_task(self._read_loop(), name=f"{self.label}-events")
        self._pinger = asyncio.create_task(self._ping_loop(), name=f"{self.label}-ping")
        return self.queue_id

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def _read_loop(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    event = json.loads(message.data)
                except ValueError:
                    event = {"type": "<invalid JSON>", "raw": message.data[:200]}
                if isinstance(event, dict) and event.get("type") == "pong":
                    self.pongs_received += 1
                else:
                    self.received.append(ReceivedEvent(time.monotonic(), event if isinstance(event, dict) else {"type": "<non-object>", "raw": event}))
                await self._notify()
            self.closed_reason = f"WebSocket closed by server (close code {self._ws.close_code})"
        except asyncio.CancelledError:
            self.closed_reason = "WebSocket closed by client"
            raise
        except Exception as exc:  # noqa: BLE001 - reported to waiters
            self.closed_reason = f"WebSocket reader failed: {type(exc).__name__}: {exc}"
        finally:
            if self._changed is not None:
                try:
                    await self._notify()
                except Exception:  # noqa: BLE001 - loop shutting down
                    pass

    async def _ping_loop(self) -> None:
        assert self._ws is not None and self._changed is not None
        while not self._ws.closed:
            before = self.pongs_received
            try:
                await self._ws.send_str(json.dumps({"type": "ping"}))
            except (ConnectionError, RuntimeError) as exc:
                self.ping_failures.append(f"send failed: {exc}")
                return
            self.pings_sent += 1
            try:
                async with self._changed:
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: self.pongs_received > before or self.closed_reason is not None),
                        self.pong_timeout,
                    )
            except asyncio.TimeoutError:
                self.ping_failures.append(f"ping #{self.pings_sent}: no pong within {self.pong_timeout} s")
            await asyncio.sleep(self.ping_interval)

    def find_event(self, event_type: str, match: EventMatch = None, after: int = 0) -> Optional[dict]:
        for record in self.received[after:]:
            if _matches(record.event, event_type, match):
                return record.event
        return None

    async def wait_for_event(
        self, event_type: str, match: EventMatch = None, *, after: int = 0, timeout: float = 10.0
    ) -> dict:
        """First event of ``event_type`` received at index ≥ ``after`` whose fields equal those in
        ``match`` (a dict) or for which ``match(event)`` is true. Raises ``EventTimeout`` naming
        what did arrive, or at once ``WscError`` if the WebSocket closed."""
        if self._changed is None or self._reader is None:
            raise WscError(f"{self.label}: wait_for_event({event_type}) before connect_events()")

        def ready() -> bool:
            return self.find_event(event_type, match, after) is not None or self.closed_reason is not None

        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        except asyncio.TimeoutError:
            pass
        found = self.find_event(event_type, match, after)
        if found is not None:
            return found
        what = f"{event_type}" + (f" matching {match}" if isinstance(match, dict) else "")
        seen = self._describe_since(after)
        if self.closed_reason is not None:
            raise WscError(f"{self.label}: {self.closed_reason} while waiting for {what}; received: {seen}")
        raise EventTimeout(f"{self.label}: no {what} within {timeout} s; received meanwhile: {seen}")

    def _describe_since(self, after: int) -> str:
        parts = []
        for record in self.received[after:]:
            e = record.event
            brief = {k: v for k, v in e.items() if k not in ("sdp", "sentDate", "type")}
            parts.append(f"{e.get('type')}{brief}")
        return "[" + ", ".join(parts) + "]" if parts else "nothing"


# --------------------------------------------------------------------------------------------
# SDP helpers
# --------------------------------------------------------------------------------------------


def media_sections(sdp: str) -> list[list[str]]:
    """The SDP's media sections, each a list of its lines (starting with the ``m=`` line)."""
    sections: list[list[str]] = []
    for raw in sdp.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if line.startswith("m="):
            sections.append([line])
        elif sections and line:
            sections[-1].append(line)
    return sections


def msid_streams_by_mid(sdp: str) -> dict[str, Optional[str]]:
    """``{mid: msid stream id}`` for every m-line: from ``a=msid:<stream> <track>`` (RFC 8830),
    else from ``a=ssrc:<n> msid:<stream> <track>``; ``None`` when the m-line has neither."""
    result: dict[str, Optional[str]] = {}
    for index, section in enumerate(media_sections(sdp)):
        mid, stream = str(index), None
        for line in section:
            if line.startswith("a=mid:"):
                mid = line[len("a=mid:"):].strip()
            elif line.startswith("a=msid:") and stream is None:
                parts = line[len("a=msid:"):].split()
                stream = parts[0] if parts else None
        if stream is None:
            for line in section:
                m = re.match(r"a=ssrc:\d+ msid:(\S+)", line)
                if m:
                    stream = m.group(1)
                    break
        result[mid] = stream
    return result


def sdp_attribute(sdp: str, name: str) -> list[str]:
    """Values of every ``a=<name>:<value>`` (or flag ``a=<name>``) line, session and media level."""
    values = []
    for raw in sdp.replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if line == f"a={name}":
            values.append("")
        elif line.startswith(f"a={name}:"):
            values.append(line[len(name) + 3:])
    return values


def vp8_codec_preferences():
    """aiortc codec capabilities VP8 + rtx, for ``transceiver.setCodecPreferences``."""
    from aiortc import RTCRtpSender

    codecs = RTCRtpSender.getCapabilities("video").codecs
    vp8 = [c for c in codecs if c.mimeType.lower() == "video/vp8"]
    rtx = [c for c in codecs if c.mimeType.lower() == "video/rtx"]
    if not vp8:
        raise WscError("this aiortc build has no VP8 encoder")
    return vp8 + rtx


# --------------------------------------------------------------------------------------------
# aiortc publisher / subscriber
# --------------------------------------------------------------------------------------------


async def wait_connected(pc, label: str, timeout: float) -> None:
    """Wait until ``pc.connectionState`` is ``connected``; raises with the ICE/DTLS states."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pc.connectionState == "connected":
            return
        if pc.connectionState in ("failed", "closed"):
            break
        await asyncio.sleep(0.05)
    raise WscError(
        f"{label}: peer connection not connected after {timeout} s: connectionState={pc.connectionState}, "
        f"iceConnectionState={pc.iceConnectionState}, iceGatheringState={pc.iceGatheringState}"
    )


async def rtp_stats(pc) -> dict[str, int]:
    """``{"packetsSent", "bytesSent", "packetsReceived"}`` summed over ``pc.getStats()``."""
    report = await pc.getStats()
    totals = {"packetsSent": 0, "bytesSent": 0, "packetsReceived": 0}
    for stats in report.values():
        if getattr(stats, "type", None) == "outbound-rtp":
            totals["packetsSent"] += stats.packetsSent or 0
            totals["bytesSent"] += stats.bytesSent or 0
        elif getattr(stats, "type", None) == "inbound-rtp":
            totals["packetsReceived"] += stats.packetsReceived or 0
    return totals


async def describe_pc(pc) -> str:
    stats = await rtp_stats(pc)
    return (
        f"connectionState={pc.connectionState} iceConnectionState={pc.iceConnectionState} "
        f"packetsSent={stats['packetsSent']} packetsReceived={stats['packetsReceived']}"
    )


class VideoPublisher:
    """The WSC ``VideoOutConnection`` (spec §3.1): one sendonly VP8 track, client offers."""

    def __init__(self, client: WscClient, meeting_id: str, track) -> None:
        self.client, self.meeting_id, self.track = client, meeting_id, track
        self.pc = new_peer_connection()
        self.offer_sdp: Optional[str] = None
        self.answer_event: Optional[dict] = None

    async def publish(self, timeout: float = 10.0) -> dict:
        """Offer, ``PUT /media {type:video, enabled:true, sdp}``, apply the answer from
        ``MEETING_SDP_ANSWERED``; returns that event."""
        from aiortc import RTCSessionDescription

        transceiver = self.pc.addTransceiver(self.track, direction="sendonly")
        transceiver.setCodecPreferences(vp8_codec_preferences())
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)  # aiortc gathers candidates here
        self.offer_sdp = self.pc.localDescription.sdp
        mark = self.client.mark()
        await self.client.update_media(self.meeting_id, "video", True, self.offer_sdp)
        self.answer_event = await self.client.wait_for_event(
            "MEETING_SDP_ANSWERED",
            {"meetingId": self.meeting_id, "mediaType": "VIDEO"},
            after=mark,
            timeout=timeout,
        )
        sdp = self.answer_event.get("sdp")
        if not isinstance(sdp, str) or not sdp:
            raise ProtocolError(f"{self.client.label}: MEETING_SDP_ANSWERED without sdp: {self.answer_event!r}")
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        return self.answer_event

    async def close(self) -> None:
        await self.pc.close()


@dataclass
class RemoteVideo:
    mid: Optional[str]
    stream_id: Optional[str]
    track: Any
    receiver: Any


class VideoSubscriber:
    """The WSC ``VideoScreenInConnection`` (spec §3.1, §3.3): recvonly, the server offers."""

    def __init__(self, client: WscClient, meeting_id: str) -> None:
        self.client, self.meeting_id = client, meeting_id
        self.pc = new_peer_connection()
        self.remote: list[RemoteVideo] = []
        self.offers: list[dict] = []
        self.subscribed_events: list[dict] = []
        self._stream_ids: dict[str, Optional[str]] = {}
        self._track_arrived = asyncio.Event()
        self.pc.on("track", self._on_track)

    def _on_track(self, track) -> None:
        for transceiver in self.pc.getTransceivers():
            if transceiver.receiver.track is track:
                mid = transceiver.mid
                self.remote.append(RemoteVideo(mid, self._stream_ids.get(mid or ""), track, transceiver.receiver))
                break
        else:
            self.remote.append(RemoteVideo(None, None, track, None))
        self._track_arrived.set()

    async def subscribe(self, publisher_ids: Iterable[str], timeout: float = 10.0) -> tuple[dict, dict]:
        """``PUT /media/subscribe`` for the publishers' video, then answer the server's offer.
        Returns the ``(MEETING_SDP_OFFERED, MEETING_PARTICIPANT_SUBSCRIBED)`` events."""
        mark = self.client.mark()
        await self.client.update_subscriptions(
            self.meeting_id, [{"userId": p, "type": "video"} for p in publisher_ids], []
        )
        offer = await self.client.wait_for_event(
            "MEETING_SDP_OFFERED", {"meetingId": self.meeting_id}, after=mark, timeout=timeout
        )
        self.offers.append(offer)
        sdp = offer.get("sdp")
        if not isinstance(sdp, str) or not sdp:
            raise ProtocolError(f"{self.client.label}: MEETING_SDP_OFFERED without sdp: {offer!r}")
        await self.answer(sdp)
        subscribed = await self.client.wait_for_event(
            "MEETING_PARTICIPANT_SUBSCRIBED", {"meetingId": self.meeting_id}, after=mark, timeout=timeout
        )
        self.subscribed_events.append(subscribed)
        return offer, subscribed

    async def answer(self, offer_sdp: str) -> str:
        """Apply a server offer, answer it through ``PUT /media/answer``; returns the answer SDP."""
        from aiortc import RTCSessionDescription

        self._stream_ids.update(msid_streams_by_mid(offer_sdp))
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer_sdp, type="offer"))
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        await self.client.send_media_answer(self.meeting_id, self.pc.localDescription.sdp)
        return self.pc.localDescription.sdp

    async def wait_track(self, timeout: float = 5.0) -> RemoteVideo:
        try:
            await asyncio.wait_for(self._track_arrived.wait(), timeout)
        except asyncio.TimeoutError:
            raise WscError(f"{self.client.label}: no remote track within {timeout} s of applying the offer") from None
        return self.remote[0]

    async def close(self) -> None:
        await self.pc.close()


@dataclass
class FrameReport:
    """What ``collect_counters`` saw: ``counters`` of readable frames in arrival order."""

    frames: int = 0
    counters: list[int] = field(default_factory=list)
    unreadable: int = 0
    sizes: set = field(default_factory=set)
    first_frame_after: Optional[float] = None  # seconds from the start of collection
    ended: Optional[str] = None

    def increasing(self) -> bool:
        return all(b > a for a, b in zip(self.counters, self.counters[1:]))

    def describe(self) -> str:
        head = self.counters[:5]
        tail = self.counters[-3:]
        return (
            f"{self.frames} frames decoded, {len(self.counters)} readable, {self.unreadable} unreadable, "
            f"sizes {sorted(self.sizes)}, counters {head}…{tail}, "
            f"first frame after {self.first_frame_after if self.first_frame_after is None else round(self.first_frame_after, 2)} s"
        )


async def collect_counters(
    track,
    read_counter: Callable[[Any], Optional[int]],
    *,
    want: int,
    first_frame_timeout: float,
    max_duration: float,
) -> FrameReport:
    """Decode frames from ``track`` until ``want`` readable ones or ``max_duration`` seconds after
    the first frame. Returns early (with what it has) if no frame arrives in ``first_frame_timeout``."""
    from aiortc.mediastreams import MediaStreamError

    report = FrameReport()
    start = time.monotonic()
    deadline = start + first_frame_timeout
    while len(report.counters) < want:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            frame = await asyncio.wait_for(track.recv(), remaining)
        except asyncio.TimeoutError:
            break
        except MediaStreamError:
            report.ended = "remote track ended"
            break
        if report.first_frame_after is None:
            report.first_frame_after = time.monotonic() - start
            deadline = time.monotonic() + max_duration
        report.frames += 1
        report.sizes.add((frame.width, frame.height))
        counter = read_counter(frame)
        if counter is None:
            report.unreadable += 1
        else:
            report.counters.append(counter)
    return report
