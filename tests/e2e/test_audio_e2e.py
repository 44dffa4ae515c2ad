"""End-to-end audio (issue 5, item 5): three aiortc participants, one two-way Opus peer
connection each (``PUT /meetings/{id}/audio/offer`` → ``MEETING_AUDIO_ANSWERED``), mixed by
Parley with libopus.

A sends a 440 Hz tone and B an 880 Hz tone; C, the room owner, sends silence. C must hear both,
A only 880 Hz and B only 440 Hz (mix-minus). Then C, as moderator, mutes A
(``PUT /audio {enabled:false, userToModerate:A}``): C must hear only 880 Hz, and
``MEETING_PARTICIPANT_TALKING`` must have said A and B started talking, then A stopped.
Bounded: the whole flow is capped at 60 s.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from typing import Optional

import numpy as np
import pytest

from meeting_setup import close_all, connect_clients, mint_users, started_meeting
from parley_process import ParleyProcess
from wsc_client import new_peer_connection, wait_connected

RATE = 48_000
FRAME = 960  # 20 ms


def make_tone_track(frequency: Optional[float], amplitude: float = 8000.0):
    """An aiortc audio track: a sine at `frequency` Hz (None = silence), mono s16 48 kHz, 20 ms
    frames paced in real time."""
    import av
    from aiortc.mediastreams import MediaStreamTrack

    class ToneTrack(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.sample = 0
            self.start: Optional[float] = None

        async def recv(self):
            if self.start is None:
                self.start = time.monotonic()
            due = self.start + self.sample / RATE
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            n = np.arange(self.sample, self.sample + FRAME)
            if frequency is None:
                pcm = np.zeros(FRAME, dtype=np.int16)
            else:
                pcm = (amplitude * np.sin(2 * math.pi * frequency * n / RATE)).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = self.sample
            frame.time_base = fractions.Fraction(1, RATE)
            self.sample += FRAME
            return frame

    return ToneTrack()


class AudioPeer:
    """The WSC BidirectionalConnectionAudioInOut (spec §3.1): sendrecv, client offers."""

    def __init__(self, client, meeting_id: str, frequency: Optional[float]) -> None:
        self.client, self.meeting_id = client, meeting_id
        self.pc = new_peer_connection()
        self.track = make_tone_track(frequency)
        self.samples: list[np.ndarray] = []
        self.reader: Optional[asyncio.Task] = None

        @self.pc.on("track")
        def on_track(track) -> None:
            self.reader = asyncio.ensure_future(self._read(track))

    async def _read(self, track) -> None:
        while True:
            try:
                frame = await track.recv()
            except Exception:  # noqa: BLE001 - track ended
                return
            data = frame.to_ndarray().reshape(-1)
            channels = len(frame.layout.channels)
            self.samples.append(data[::channels].astype(np.float64))

    async def connect(self) -> dict:
        from aiortc import RTCRtpSender, RTCSessionDescription

        transceiver = self.pc.addTransceiver(self.track, direction="sendrecv")
        opus = [c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType.lower() == "audio/opus"]
        transceiver.setCodecPreferences(opus)
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)
        mark = self.client.mark()
        await self.client.request("PUT", f"/meetings/{self.meeting_id}/audio/offer",
                                  json_body={"sdp": self.pc.localDescription.sdp}, expect=(204,))
        event = await self.client.wait_for_event("MEETING_AUDIO_ANSWERED", {"meetingId": self.meeting_id},
                                                 after=mark, timeout=10)
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=event["sdp"], type="answer"))
        await wait_connected(self.pc, self.client.label, 10)
        return event

    def mark(self) -> int:
        return len(self.samples)

    def amplitude(self, frequency: float, since: int) -> float:
        """Amplitude of `frequency` over the frames received after `since` (last second of them)."""
        pcm = np.concatenate(self.samples[since:])[-RATE:] if len(self.samples) > since else np.zeros(1)
        if len(pcm) < RATE // 2:
            return 0.0
        spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
        bins = np.fft.rfftfreq(len(pcm), 1 / RATE)
        band = (bins > frequency - 15) & (bins < frequency + 15)
        return float(spectrum[band].max() * 4 / len(pcm))

    async def close(self) -> None:
        if self.reader:
            self.reader.cancel()
        await self.pc.close()


async def run_flow(server: ParleyProcess) -> dict:
    alice, bob, carol = await mint_users(server, ["Alice Tone", "Bob Tone", "Carol Owner"])
    ca, cb, cc = await connect_clients(server, [alice, bob, carol])
    peers: list[AudioPeer] = []
    try:
        _, meeting = await started_meeting(cc, [ca, cb], "audio e2e")
        mid = meeting["id"]
        for client in (ca, cb, cc):
            await client.join_meeting(mid, audio=True, video=False)
        pa, pb, pc = AudioPeer(ca, mid, 440.0), AudioPeer(cb, mid, 880.0), AudioPeer(cc, mid, None)
        peers = [pa, pb, pc]
        for peer in peers:
            await peer.connect()
        talk_mark = cc.mark()
        for client in (ca, cb):
            await client.request("PUT", f"/meetings/{mid}/audio", json_body={"enabled": True}, expect=(204,))
        await asyncio.sleep(3.0)
        marks = {p: p.mark() for p in peers}
        await asyncio.sleep(1.5)
        result = {
            "c440": pc.amplitude(440, marks[pc]), "c880": pc.amplitude(880, marks[pc]),
            "a440": pa.amplitude(440, marks[pa]), "a880": pa.amplitude(880, marks[pa]),
            "b440": pb.amplitude(440, marks[pb]), "b880": pb.amplitude(880, marks[pb]),
        }
        # The moderator (room owner) mutes A.
        await cc.request("PUT", f"/meetings/{mid}/audio", json_body={"enabled": False, "userToModerate": alice.user_id},
                         expect=(204,))
        await cc.wait_for_event("MEETING_AUDIO_STREAM_CHANGED", {"userId": alice.user_id, "active": False},
                                after=talk_mark, timeout=5)
        await asyncio.sleep(1.0)
        muted_mark = pc.mark()
        await asyncio.sleep(1.5)
        result["muted_c440"] = pc.amplitude(440, muted_mark)
        result["muted_c880"] = pc.amplitude(880, muted_mark)
        result["talking"] = [(e.get("userId"), e.get("isTalking")) for e in cc.events[talk_mark:]
                             if e.get("type") == "MEETING_PARTICIPANT_TALKING"]
        result["ids"] = {"a": alice.user_id, "b": bob.user_id}
        return result
    finally:
        await close_all(*peers, ca, cb, cc)


@pytest.fixture(scope="module")
def outcome():
    with ParleyProcess() as server:
        try:
            result = asyncio.run(asyncio.wait_for(run_flow(server), 60))
        except Exception as error:  # noqa: BLE001 - report with the server log
            pytest.fail(f"audio flow failed: {error!r}\nserver log tail:\n{server.log_tail()}")
        print(f"audio e2e amplitudes: " + ", ".join(f"{k}={v:.0f}" for k, v in result.items()
                                                     if isinstance(v, float)))
        return result


def test_listener_hears_both_talkers(outcome):
    assert outcome["c440"] > 1500 and outcome["c880"] > 1500, outcome


def test_talkers_hear_only_the_other(outcome):
    assert outcome["a880"] > 1500 and outcome["a440"] < outcome["a880"] / 10, outcome
    assert outcome["b440"] > 1500 and outcome["b880"] < outcome["b440"] / 10, outcome


def test_moderator_mute_removes_the_voice(outcome):
    assert outcome["muted_c880"] > 1500, outcome
    assert outcome["muted_c440"] < outcome["muted_c880"] / 10, outcome


def test_talking_events_in_order(outcome):
    a, b = outcome["ids"]["a"], outcome["ids"]["b"]
    talking = outcome["talking"]
    assert (a, True) in talking and (b, True) in talking, talking
    assert (a, False) in talking, talking
    assert talking.index((a, True)) < talking.index((a, False)), talking
