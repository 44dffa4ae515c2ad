"""Assertions shared by the browser tests: each takes a ``session.Session`` and fails with the
server log tail and the pages' console when the run did not get that far."""

from __future__ import annotations

import re
from typing import Any

import pytest

from session import Session
from wsc_client import msid_streams_by_mid, sdp_attribute

MIN_FRAMES = 60  # framesDecoded the subscriber must have reached (90 are asked for: 3 s at 30 fps)


def require_flow(s: Session) -> dict[str, Any]:
    """The run reached its frame target; otherwise fail with everything known about it."""
    if s.harness_error or not s.result.get("reached_target"):
        pytest.fail(s.describe_failure(), pytrace=False)
    return s.result


def need(s: Session, *keys: str) -> Any:
    """Values of result.json that the flow must have produced (fails like require_flow if not)."""
    missing = [k for k in keys if not s.result.get(k)]
    if missing or s.harness_error:
        pytest.fail(f"not reached ({', '.join(missing) or 'harness error'}):\n{s.describe_failure()}", pytrace=False)
    values = [s.result[k] for k in keys]
    return values if len(values) > 1 else values[0]


def frames_decoded_and_growing(s: Session) -> None:
    """getStats() of the subscriber: framesDecoded >= MIN_FRAMES and still growing between the
    last two samples (500 ms apart)."""
    samples = need(s, "decoded_samples")
    if len(samples) < 2:
        pytest.fail(f"fewer than 2 getStats samples with inbound video: {samples}\n{s.describe_failure()}", pytrace=False)
    (t1, before, *_), (t2, after, *_) = samples[-2], samples[-1]
    assert after >= MIN_FRAMES, f"framesDecoded {after} < {MIN_FRAMES}; samples {samples}\n{s.describe_failure()}"
    assert after > before, f"framesDecoded not growing: {before} at {t1} ms, {after} at {t2} ms; samples {samples}"
    width, height = samples[-1][4], samples[-1][5]
    assert width and height and width >= 160 and height >= 90, f"decoded frame size {width}x{height}"


def remote_stream_id_is_publisher_video(s: Session) -> None:
    """ontrack's stream id is ``<publisherUserId>/video`` (spec §3.3 step 5), once."""
    require_flow(s)
    publisher = s.result["user_ids"]["publisher"]
    assert s.result["track_stream_ids"] == [[f"{publisher}/video"]], s.result["track_stream_ids"]


def publisher_answer_is_ice_lite_vp8_on_media_port(s: Session) -> None:
    offer, answer = need(s, "publisher_offer", "publisher_answer")
    assert "a=ice-lite" in answer
    assert any(v.lower().startswith("sha-256 ") for v in sdp_attribute(answer, "fingerprint")), answer
    assert sdp_attribute(answer, "setup") in (["passive"], ["active"]), sdp_attribute(answer, "setup")
    vp8 = re.search(r"^a=rtpmap:(\d+) VP8/90000", offer, re.M)
    assert vp8, "the browser offered no VP8"
    assert f"a=rtpmap:{vp8.group(1)} VP8/90000" in answer, f"VP8 must keep the offer's payload type {vp8.group(1)}:\n{answer}"
    port = s.result["media_port"]
    assert any(f" 127.0.0.1 {port} typ host" in c for c in sdp_attribute(answer, "candidate")), sdp_attribute(answer, "candidate")
    assert "a=recvonly" in answer


def subscriber_offer_labels_stream_and_mid(s: Session) -> None:
    """The server's offer has msid ``<publisher>/video`` on the mid that MEETING_PARTICIPANT_SUBSCRIBED names."""
    offer = need(s, "subscriber_offer")
    publisher = s.result["user_ids"]["publisher"]
    by_mid = msid_streams_by_mid(offer)
    events = [r["event"] for r in s.records("subscriber", "event") if r["event"].get("type") == "MEETING_PARTICIPANT_SUBSCRIBED"]
    assert events, f"no MEETING_PARTICIPANT_SUBSCRIBED reached the subscriber page\n{s.describe_failure()}"
    streams = events[-1]["streams"]
    assert [(x["userId"], x["type"]) for x in streams] == [(publisher, "video")], streams
    assert by_mid.get(streams[0]["mid"]) == f"{publisher}/video", (streams, by_mid)
    assert "a=ice-lite" in offer


def media_over_loopback_with_srtp(s: Session) -> None:
    """Both browser peer connections: DTLS connected, an SRTP cipher, the selected pair going to
    127.0.0.1:<Parley's media port>."""
    require_flow(s)
    port = s.result["media_port"]
    for key in ("publisher/publisher", "subscriber/subscriber"):
        stats = s.last_stats(key)
        transport, pair = stats.get("transport") or {}, stats.get("pair") or {}
        assert transport.get("dtlsState") == "connected", (key, transport)
        assert transport.get("srtpCipher"), (key, transport)
        assert pair.get("remote", "").startswith(f"127.0.0.1:{port} "), (key, pair)
        assert pair.get("local", "").startswith("127.0.0.1:"), (key, pair)


def server_alive_and_stops_cleanly(s: Session) -> None:
    require_flow(s)
    assert s.result["server_alive_at_end"], f"parley serve had exited before the end\n{s.log_tail('server.log')}"
    assert s.result["server_exit_code"] == 0, f"exit code {s.result['server_exit_code']} after SIGTERM\n{s.log_tail('server.log')}"


def simulcast_offer_gives_one_clean_stream(s: Session) -> None:
    """A publisher offering rids h/m/l: the answer accepts them (``a=simulcast:recv h;m;l``) and
    the subscriber gets one clean stream: frames decode and keep growing, and no packet arrives
    twice or from another layer's sequence space (packetsLost >= 0; forwarding several layers
    into one SSRC makes it negative)."""
    require_flow(s)
    offer, answer = s.result["publisher_offer"], s.result["publisher_answer"]
    assert "a=simulcast:send h;m;l" in offer, "the page did not offer simulcast"
    assert sdp_attribute(answer, "simulcast") == ["recv h;m;l"], f"simulcast not accepted:\n{answer}"
    assert sdp_attribute(answer, "rid") == ["h recv", "m recv", "l recv"], sdp_attribute(answer, "rid")
    frames_decoded_and_growing(s)
    inbound = [x for x in s.last_stats("subscriber/subscriber").get("inbound", []) if x.get("kind") == "video"]
    assert len(inbound) == 1, inbound
    assert inbound[0].get("packetsLost", 0) >= 0, (
        f"packetsLost {inbound[0].get('packetsLost')} < 0: more packets than the sequence range, i.e. several "
        f"simulcast layers forwarded on one SSRC; publisher layers: {simulcast_layers(s)}")
    active = [x for x in s.last_stats("publisher/publisher").get("outbound", [])
              if x.get("kind") == "video" and (x.get("packetsSent") or 0) > 0]
    assert len(active) >= 2, f"the publisher must send at least two layers: {simulcast_layers(s)}"
    # Chromium logs every SRTP packet it cannot accept (a replayed copy included): a forwarder that
    # passes on the publisher's redundant RTX payloads (its bandwidth probes) shows up here.
    if s.result.get("subscriber_browser") == "chromium":
        rejected = s.log_tail("subscriber-chromium.log", 5, grep="Failed to unprotect RTP")
        assert not rejected.strip(), f"the subscriber rejected SRTP packets:\n{rejected}"


def layer_follows_subscriber_bandwidth(s: Session) -> None:
    """The subscriber's receive limit (b=TIAS:200000 in its answer) makes Parley forward a
    narrower layer — frames keep decoding on the same track — and lifting the limit brings the
    widest layer back (phases reported by the page from getStats frameWidth)."""
    require_flow(s)
    phases = {r["phase"]: r for r in s.result.get("layers", [])}
    assert {"top", "narrower", "limited", "restored", "done"} <= set(phases), (phases, s.describe_failure())
    top, narrower, restored = phases["top"]["width"], phases["narrower"]["width"], phases["restored"]["width"]
    assert narrower < top, (top, narrower)
    assert phases["limited"]["framesDecoded"] >= phases["narrower"]["framesDecoded"] + 30, phases
    assert restored >= top, (top, restored)
    assert s.result["track_stream_ids"] == [[f"{s.result['user_ids']['publisher']}/video"]], \
        "the layer switch must not add a track"


def simulcast_layers(s: Session) -> str:
    """'rid: packetsSent WxH' per encoding the publisher reported, and what the answer said."""
    answer = s.result.get("publisher_answer") or ""
    said = [v for v in sdp_attribute(answer, "simulcast")]
    layers = sorted((x.get("rid") or "-", x.get("packetsSent"), x.get("frameWidth"), x.get("frameHeight"))
                    for x in s.last_stats("publisher/publisher").get("outbound", []) if x.get("kind") == "video")
    return (f"answer {'a=simulcast:' + said[0] if said else 'without a=simulcast (declined)'}; layers sent "
            + ", ".join(f"{rid}: {n} packets {w}x{h}" for rid, n, w, h in layers))


def audio_summary(s: Session) -> str:
    """The audio peer connections' outcome (optional: reported, never asserted)."""
    if not s.result.get("audio"):
        return "audio not tried"
    outcomes = s.result.get("audio_outcome") or {}
    inbound = s.result.get("audio_inbound") or {}
    parts = []
    for page in ("publisher", "subscriber"):
        recs = outcomes.get(page) or []
        if not recs:
            parts.append(f"{page}: no outcome")
            continue
        last = recs[-1]
        if not last.get("ok"):
            parts.append(f"{page}: {last.get('stage')} -> {last.get('status') or last.get('error')}")
            continue
        heard = inbound.get(page) or {}
        parts.append(f"{page}: {last.get('stage')}, {heard.get('packetsReceived')} packets in, "
                     f"totalAudioEnergy {heard.get('totalAudioEnergy', 0) or 0:.3g}")
    return "audio (publisher's mic on) " + "; ".join(parts)


def summary_line(s: Session) -> str:
    r = s.result
    samples = r.get("decoded_samples") or []
    if not samples:
        return f"browser {s.name}: no decoded frame ({(r.get('error') or s.harness_error or '?').splitlines()[0]})"
    last = samples[-1]
    return (f"browser {s.name}: framesDecoded {last[1]} ({last[4]}x{last[5]}) at {last[0] / 1000:.1f} s page time; "
            f"first frame {r.get('first_frame_rendered_after_answer_ms')} ms after PUT /media/answer, "
            f"{r.get('first_frame_after_both_connected_ms')} ms after both peer connections connected; "
            f"run {r.get('duration')} s; "
            + (f"simulcast offer: {simulcast_layers(s)}; layer switch: {layer_summary(s)}" if r.get("simulcast")
               else audio_summary(s)))


def layer_summary(s: Session) -> str:
    """'top 1280 -> narrower 320 (after 900 ms) -> restored 1280 (after 2100 ms)'."""
    parts = []
    for r in s.result.get("layers", []):
        if r.get("phase") in ("top", "narrower", "restored"):
            after = f" (after {r['afterMs']} ms)" if r.get("afterMs") is not None else ""
            parts.append(f"{r['phase']} {r.get('width')}{after}")
    return " -> ".join(parts) or "not run"
