"""Self-check of the e2e harness's media side without Parley: two aiortc peers on 127.0.0.1.

The publisher sends the frame-counter track over VP8 exactly as in the e2e test; its offer's msid
stream id is rewritten to ``<userId>/video`` as Parley writes it, and the subscriber side is the
same ``VideoSubscriber`` code the e2e test uses (its ``PUT /media/answer`` goes to a stand-in).
If this fails, the harness (or aiortc on this machine) is broken, not the server.
"""

from __future__ import annotations

import asyncio
import re
import uuid

import framecode
from wsc_client import (
    VideoSubscriber,
    collect_counters,
    describe_pc,
    msid_streams_by_mid,
    new_peer_connection,
    vp8_codec_preferences,
    wait_connected,
)


class AnswerRecorder:
    """Stands in for ``WscClient`` where ``VideoSubscriber`` sends its answer."""

    label = "loopback-subscriber"

    def __init__(self) -> None:
        self.answers: list[str] = []

    async def send_media_answer(self, meeting_id: str, sdp: str) -> None:
        self.answers.append(sdp)


def rewrite_msid_stream(sdp: str, stream_id: str) -> str:
    return re.sub(r"^a=msid:\S+ ", f"a=msid:{stream_id} ", sdp, flags=re.MULTILINE)


async def _publish_and_read(want: int) -> tuple:
    from aiortc import RTCSessionDescription

    publisher_id = str(uuid.uuid4())
    track = framecode.make_counter_track(320, 240, 30)
    pub = new_peer_connection()
    transceiver = pub.addTransceiver(track, direction="sendonly")
    transceiver.setCodecPreferences(vp8_codec_preferences())
    await pub.setLocalDescription(await pub.createOffer())
    offer = rewrite_msid_stream(pub.localDescription.sdp, f"{publisher_id}/video")

    recorder = AnswerRecorder()
    sub = VideoSubscriber(recorder, "meeting")  # type: ignore[arg-type]
    try:
        await sub.answer(offer)
        assert len(recorder.answers) == 1
        await pub.setRemoteDescription(RTCSessionDescription(sdp=recorder.answers[0], type="answer"))
        remote = await sub.wait_track(timeout=5)
        await wait_connected(sub.pc, "subscriber", timeout=10)
        report = await collect_counters(
            remote.track, framecode.read_counter, want=want, first_frame_timeout=15, max_duration=10
        )
        diag = f"publisher: {await describe_pc(pub)}; subscriber: {await describe_pc(sub.pc)}"
        return publisher_id, offer, recorder.answers[0], remote, report, track.frames_sent, diag
    finally:
        await sub.close()
        await pub.close()


def test_vp8_frame_counters_survive_a_real_aiortc_link():
    publisher_id, offer, answer, remote, report, sent, diag = asyncio.run(_publish_and_read(want=45))

    assert "VP8/90000" in offer and "rtx/90000" in offer, offer
    assert "a=candidate:" in offer and " 127.0.0.1 " in offer, "loopback patch did not take:\n" + offer
    assert "a=recvonly" in answer, answer
    assert remote.stream_id == f"{publisher_id}/video", (remote, msid_streams_by_mid(offer))
    assert remote.mid == "0"
    assert len(report.counters) >= 45, f"{report.describe()}; {diag}"
    assert report.increasing(), report.counters
    assert report.sizes == {(320, 240)}
    # Every decoded frame must be readable: the block code survives VP8 at aiortc's bitrates.
    assert report.unreadable == 0, report.describe()
    assert report.counters[-1] < sent
