"""End-to-end: real VP8 video from an aiortc publisher crosses a running Parley to an aiortc
subscriber, through the WSC REST API and the WebSocket ``/events`` (issue 2, item 8).

The module fixture starts the built server (``.build/debug/parley`` or ``$PARLEY_BINARY``) on free
127.0.0.1 ports with a temporary SQLite database and a random token secret, then runs one meeting:

  alice (publisher, cookie auth), bob (subscriber, Bearer auth), carol (room member who stays out)
  /events ×3 (websocketConnected, ping/pong) -> POST /rooms (group) -> bob GET /rooms/{id}
  -> POST /meetings -> /start -> alice and bob /join (queue-id) -> carol sees PARTICIPANT_JOINED ×2
  -> carol GET /meetings/{id} (participants with their queue ids)
  -> alice PUT /media (VP8 offer) -> MEETING_SDP_ANSWERED -> MEDIA_STREAM_CHANGED to alice and bob
  -> alice sends 45 frames (so bob needs a fresh keyframe) -> bob PUT /media/subscribe -> MEETING_SDP_OFFERED + MEETING_PARTICIPANT_SUBSCRIBED
  -> bob PUT /media/answer -> frames decoded, counters read back -> bob, alice /leave
  -> PARTICIPANT_LEFT events -> SIGTERM, the server must exit by itself.

Then each test below checks one part of what was recorded. When the flow stops early, the first
test fails with the step, the error and the server log tail, and later tests say "not reached".
The whole run is bounded: no frame within 20 s of the answer fails it, 75 s caps the flow.

Environment: PARLEY_BINARY (server executable), PARLEY_E2E_LOG_LEVEL (server --log-level,
default debug), PARLEY_E2E_KEEP=1 (keep the temporary directory with server.log and the database).
"""

from __future__ import annotations

import asyncio
import os
import re
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

import framecode
from meeting_setup import close_all, connect_clients, mint_users
from parley_process import ParleyProcess, ServerError
from wsc_client import (
    VideoPublisher,
    VideoSubscriber,
    WscError,
    collect_counters,
    describe_pc,
    msid_streams_by_mid,
    sdp_attribute,
    wait_connected,
)

FLOW_TIMEOUT = 75.0
FIRST_FRAME_TIMEOUT = 20.0
WANT_FRAMES = 90
MIN_FRAMES = 30
MID_STREAM_FRAMES = 45  # frames the publisher has sent before bob subscribes
KEYFRAME_DELAY = 5.0  # seconds a late subscriber may wait for its first decodable frame


@dataclass(repr=False)
class Outcome:
    step: str = "not started"
    error: Optional[str] = None
    log_tail: str = ""
    exit_code: Optional[int] = None
    alive_at_end: Optional[bool] = None
    media_port: int = 0
    data: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Outcome(step={self.step!r}, error={'yes' if self.error else 'no'}, data keys={sorted(self.data)})"

    def need(self, *keys: str) -> Any:
        missing = [k for k in keys if k not in self.data]
        if missing:
            first_line = (self.error or "no error").splitlines()[0]
            pytest.fail(f"not reached: the flow stopped at step '{self.step}' ({first_line})", pytrace=False)
        return [self.data[k] for k in keys] if len(keys) > 1 else self.data[keys[0]]


async def run_flow(server: ParleyProcess, out: Outcome) -> None:
    d = out.data
    out.step = "parley token (3 users)"
    alice_u, bob_u, carol_u = await mint_users(server, ["Alice Publisher", "Bob Subscriber", "Carol Member"])
    publisher = subscriber = None
    clients = []
    try:
        out.step = "WebSocket /events for 3 users"
        clients = await connect_clients(server, [alice_u, bob_u, carol_u], auth=["cookie", "bearer", "cookie"],
                                        ping_interval=2.0)
        alice, bob, carol = clients
        d["user_ids"] = {"alice": alice.user_id, "bob": bob.user_id, "carol": carol.user_id}
        d["queue_ids"] = {c.label: c.queue_id for c in clients}

        out.step = "POST /rooms, GET /rooms/{id}, POST /meetings, POST /meetings/{id}/start"
        room = await alice.create_group_room("e2e video room", [bob.user_id, carol.user_id])
        d["room"] = room
        d["room_seen_by_bob"] = await bob.request("GET", f"/rooms/{room['id']}")
        meeting = await alice.create_meeting(room["id"], "e2e video meeting")
        d["meeting"] = meeting
        mid = meeting["id"]
        d["started"] = await alice.start_meeting(mid)

        out.step = "POST /meetings/{id}/join (alice, bob)"
        carol_mark = carol.mark()
        d["join"] = {"alice": await alice.join_meeting(mid), "bob": await bob.join_meeting(mid)}

        out.step = "MEETING_PARTICIPANT_JOINED to carol"
        d["joined_events"] = [
            await carol.wait_for_event("MEETING_PARTICIPANT_JOINED", {"meetingId": mid, "userId": u.user_id}, after=carol_mark)
            for u in (alice, bob)
        ]
        out.step = "GET /meetings/{id} by carol"
        d["meeting_seen_by_carol"] = await carol.get_meeting(mid)

        out.step = "alice PUT /media (VP8 offer) -> MEETING_SDP_ANSWERED"
        bob_mark = bob.mark()
        track = framecode.make_counter_track(320, 240, 30)
        publisher = VideoPublisher(alice, mid, track)
        d["answer_event"] = await publisher.publish(timeout=10)
        d["publisher_offer"] = publisher.offer_sdp

        out.step = "MEETING_MEDIA_STREAM_CHANGED to alice and bob"
        changed = {"meetingId": mid, "userId": alice.user_id, "mediaType": "VIDEO", "active": True}
        d["stream_changed"] = {
            "alice": await alice.wait_for_event("MEETING_MEDIA_STREAM_CHANGED", changed),
            "bob": await bob.wait_for_event("MEETING_MEDIA_STREAM_CHANGED", changed, after=bob_mark),
        }

        # Subscribe mid-stream: the publisher's first keyframe has gone by, so the subscriber only
        # sees video if Parley asks the publisher for a new one (issue 2 §6: new subscription or PLI).
        out.step = f"alice's peer connection sends {MID_STREAM_FRAMES} frames"
        await wait_connected(publisher.pc, alice.label, timeout=10)
        deadline = asyncio.get_running_loop().time() + 10
        while track.frames_sent < MID_STREAM_FRAMES and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        d["frames_before_subscribe"] = track.frames_sent

        out.step = "bob PUT /media/subscribe -> MEETING_SDP_OFFERED, PUT /media/answer, MEETING_PARTICIPANT_SUBSCRIBED"
        subscriber = VideoSubscriber(bob, mid)
        offer, subscribed = await subscriber.subscribe([alice.user_id], timeout=10)
        d["offer_event"], d["subscribed_event"] = offer, subscribed
        d["subscriber_answer"] = subscriber.pc.localDescription.sdp

        out.step = "remote track on bob's peer connection"
        remote = await subscriber.wait_track(timeout=5)
        d["remote"] = remote

        out.step = "decode frames"
        report = await collect_counters(remote.track, framecode.read_counter, want=WANT_FRAMES,
                                        first_frame_timeout=FIRST_FRAME_TIMEOUT, max_duration=10)
        d["frames"] = report
        d["frames_sent"] = track.frames_sent
        d["media_diag"] = (f"publisher: {await describe_pc(publisher.pc)}; "
                           f"subscriber: {await describe_pc(subscriber.pc)}")

        out.step = "POST /meetings/{id}/leave (bob, then alice) -> MEETING_PARTICIPANT_LEFT"
        alice_mark, carol_mark = alice.mark(), carol.mark()
        await bob.leave_meeting(mid)
        left = {"alice_sees_bob": await alice.wait_for_event("MEETING_PARTICIPANT_LEFT", {"meetingId": mid, "userId": bob.user_id}, after=alice_mark),
                "carol_sees_bob": await carol.wait_for_event("MEETING_PARTICIPANT_LEFT", {"meetingId": mid, "userId": bob.user_id}, after=carol_mark)}
        await alice.leave_meeting(mid)
        left["carol_sees_alice"] = await carol.wait_for_event(
            "MEETING_PARTICIPANT_LEFT", {"meetingId": mid, "userId": alice.user_id}, after=carol_mark)
        d["left"] = left

        d["pings"] = {c.label: (c.pings_sent, c.pongs_received, list(c.ping_failures)) for c in clients}
        out.step = "done"
    finally:
        await close_all(*(x for x in (subscriber, publisher) if x is not None), *clients)


@pytest.fixture(scope="module")
def outcome(request) -> Outcome:
    out = Outcome()
    server = ParleyProcess(log_level=os.environ.get("PARLEY_E2E_LOG_LEVEL", "debug"),
                           keep_dir=bool(os.environ.get("PARLEY_E2E_KEEP")))
    out.media_port = server.media_port
    try:
        out.step = "start parley serve"
        server.start(ready_timeout=30)
        asyncio.run(asyncio.wait_for(run_flow(server, out), FLOW_TIMEOUT))
    except asyncio.TimeoutError:
        out.error = f"the flow took more than {FLOW_TIMEOUT} s"
    except (WscError, ServerError) as exc:
        out.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - reported by test_flow_completes
        out.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"
    finally:
        if server.process is not None:
            out.alive_at_end = server.alive()
            out.exit_code = server.stop(timeout=10)
        out.log_tail = server.log_tail(80)
        server.cleanup()
    if "frames" in out.data:
        request.config.parley_e2e_summary = f"e2e video: {out.data['frames'].describe()}"
    return out


def test_flow_completes(outcome: Outcome):
    if outcome.error is not None:
        pytest.fail(f"step '{outcome.step}' failed: {outcome.error}\n{outcome.log_tail}", pytrace=False)
    assert outcome.step == "done"


def test_websocket_queue_ids_and_pongs(outcome: Outcome):
    queue_ids = outcome.need("queue_ids")
    assert len(queue_ids) == 3
    for label, queue_id in queue_ids.items():
        uuid.UUID(queue_id)
    assert len(set(queue_ids.values())) == 3, f"queue ids must differ per connection: {queue_ids}"
    for label, (sent, pongs, failures) in outcome.need("pings").items():
        assert sent >= 1 and pongs >= 1, f"{label}: {sent} pings sent, {pongs} pongs received"
        assert failures == [], f"{label}: {failures}"


def test_room_meeting_start_and_join(outcome: Outcome):
    room, room_seen, meeting, started, join, users = outcome.need(
        "room", "room_seen_by_bob", "meeting", "started", "join", "user_ids")
    assert room["type"] == "group" and room["name"] == "e2e video room"
    members = {m["userId"]: m["owner"] for m in room["members"]}
    assert members == {users["alice"]: True, users["bob"]: False, users["carol"]: False}, room["members"]
    assert room_seen["id"] == room["id"]
    assert {m["userId"] for m in room_seen["members"]} == set(members)
    assert meeting["roomId"] == room["id"]
    assert meeting["active"] is False and meeting["participants"] == []
    assert meeting["meetingType"] == "permanent"
    assert started["id"] == meeting["id"] and started["active"] is True
    assert join == {"alice": {"status": "ACCEPTED"}, "bob": {"status": "ACCEPTED"}}


def test_participant_joined_events_reach_room_members(outcome: Outcome):
    joined, meeting, users = outcome.need("joined_events", "meeting", "user_ids")
    assert [(e["meetingId"], e["userId"]) for e in joined] == [(meeting["id"], users["alice"]), (meeting["id"], users["bob"])]
    assert all("sentDate" in e for e in joined), joined


def test_meeting_lists_participants_with_queue_ids(outcome: Outcome):
    seen, users, queue_ids = outcome.need("meeting_seen_by_carol", "user_ids", "queue_ids")
    assert seen["active"] is True
    participants = {p["userId"]: p["queueId"] for p in seen["participants"]}
    assert participants == {users["alice"]: queue_ids["Alice Publisher"], users["bob"]: queue_ids["Bob Subscriber"]}, seen


def test_publisher_answer(outcome: Outcome):
    answer_event, meeting, users, offer = outcome.need("answer_event", "meeting", "user_ids", "publisher_offer")
    sdp = answer_event["sdp"]
    assert (answer_event["meetingId"], answer_event["userId"], answer_event["mediaType"]) == (meeting["id"], users["alice"], "VIDEO")
    assert "a=ice-lite" in sdp, "Parley is ICE-lite (RFC 8445 §2.5)"
    assert any(v.lower().startswith("sha-256 ") for v in sdp_attribute(sdp, "fingerprint")), sdp
    vp8 = re.search(r"^a=rtpmap:(\d+) VP8/90000", offer, re.M)
    assert vp8, offer
    assert f"a=rtpmap:{vp8.group(1)} VP8/90000" in sdp, f"VP8 must keep the offer's payload type {vp8.group(1)}:\n{sdp}"
    candidates = sdp_attribute(sdp, "candidate")
    assert any(f" 127.0.0.1 {outcome.media_port} typ host" in c for c in candidates), candidates
    assert "a=recvonly" in sdp


def test_media_stream_changed_reaches_participants(outcome: Outcome):
    changed, users = outcome.need("stream_changed", "user_ids")
    assert set(changed) == {"alice", "bob"}
    for who, event in changed.items():
        assert (event["userId"], event["mediaType"], event["active"]) == (users["alice"], "VIDEO", True), (who, event)


def test_subscription_offer_and_subscribed_streams(outcome: Outcome):
    offer, subscribed, answer, meeting, users = outcome.need(
        "offer_event", "subscribed_event", "subscriber_answer", "meeting", "user_ids")
    assert (offer["meetingId"], offer["userId"], offer["mediaType"]) == (meeting["id"], users["bob"], "VIDEO")
    assert (subscribed["meetingId"], subscribed["userId"]) == (meeting["id"], users["bob"])
    assert "a=ice-lite" in offer["sdp"]
    streams = subscribed["streams"]
    assert len(streams) == 1, streams
    stream = streams[0]
    assert (stream["type"], stream["userId"]) == ("video", users["alice"])
    by_mid = msid_streams_by_mid(offer["sdp"])
    assert stream["mid"] in by_mid, f"subscribed mid {stream['mid']!r} not in the offer's mids {list(by_mid)}"
    assert by_mid[stream["mid"]] == f"{users['alice']}/video", by_mid
    assert "a=recvonly" in answer


def test_remote_stream_id_is_publisher_video(outcome: Outcome):
    remote, users = outcome.need("remote", "user_ids")
    assert remote.stream_id == f"{users['alice']}/video", f"msid stream id {remote.stream_id!r} on mid {remote.mid!r}"
    assert remote.track.kind == "video"


def test_frames_decoded_with_increasing_counters(outcome: Outcome):
    report = outcome.need("frames")
    diag = outcome.data.get("media_diag", "")
    if report.frames == 0:
        pytest.fail(f"NO FRAME decoded within {FIRST_FRAME_TIMEOUT} s of answering the offer ({report.ended or 'timeout'}); "
                    f"{diag}\n{outcome.log_tail}", pytrace=False)
    assert len(report.counters) >= MIN_FRAMES, f"{report.describe()}; {diag}"
    assert report.increasing(), f"counters not strictly increasing: {report.counters}"
    assert report.sizes == {(320, 240)}, report.sizes
    assert report.counters[-1] < outcome.data["frames_sent"]


def test_late_subscriber_gets_a_keyframe_promptly(outcome: Outcome):
    report, before = outcome.need("frames", "frames_before_subscribe")
    assert before >= MID_STREAM_FRAMES, f"the publisher had sent only {before} frames before the subscription"
    if not report.counters:
        pytest.fail("no readable frame (see test_frames_decoded_with_increasing_counters)", pytrace=False)
    assert report.counters[0] >= before, f"first frame {report.counters[0]} predates the subscription ({before} sent)"
    assert report.first_frame_after is not None and report.first_frame_after <= KEYFRAME_DELAY, (
        f"first frame {report.first_frame_after} s after answering: a new subscription (or the subscriber's "
        "PLI) must make Parley request a keyframe from the publisher")


def test_leave_and_participant_left_events(outcome: Outcome):
    left = outcome.need("left")
    assert set(left) == {"alice_sees_bob", "carol_sees_bob", "carol_sees_alice"}


def test_server_stops_on_sigterm(outcome: Outcome):
    if outcome.alive_at_end is None or outcome.step == "start parley serve":
        pytest.fail("not reached: the server did not start", pytrace=False)
    assert outcome.alive_at_end, f"the server had exited (code {outcome.exit_code}) before the end of the flow\n{outcome.log_tail}"
    assert outcome.exit_code == 0, (f"exit code {outcome.exit_code} after SIGTERM (negative: killed by that signal; "
                                    f"-9: still running 10 s after SIGTERM)\n{outcome.log_tail}")
