"""Headless Chromium ↔ Parley ↔ headless Chromium through the WSC API (issue 4, item 7).

Inside a fresh network namespace with only ``lo`` (``session.run_session``): Parley (debug log),
the page server (static page + same-origin API proxy) and two Chromium processes. The publisher
page sends the fake camera (``PUT /media`` → ``MEETING_SDP_ANSWERED``), the subscriber page
subscribes when ``MEETING_MEDIA_STREAM_CHANGED`` says the camera is on (``PUT
/media/subscribe`` → ``MEETING_SDP_OFFERED`` → ``PUT /media/answer``) and samples ``getStats()``
every 500 ms until ``framesDecoded`` reaches 90 plus two samples. Both pages also try the audio
peer connection (``PUT /audio/offer``); its outcome is reported in the summary, not asserted.

A second run publishes with simulcast (rids h/m/l, ``sendEncodings`` with scaleResolutionDownBy
1/2/4, 720p camera, REMB cap 2.5 Mbit/s): Parley accepts the rids and forwards one layer on one
SSRC. The subscriber page then limits its receive bandwidth (``b=TIAS:200000`` in the answer to a
renegotiation): the decoded width must drop to a narrower layer while frames keep decoding, and
come back when the limit is lifted.

Bounded: each driver run stops itself 60 s after start, the test kills it at 85 s. A failure shows the
driver's error, each page's steps and console, the last getStats, the server log tail and the
browser logs. ``PARLEY_BROWSER_KEEP=1`` keeps the run's directory, ``PARLEY_BROWSER_CAPTURE=1``
adds a tshark capture of ``lo``.
"""

import pytest

import checks
from session import Session, discard, run_session


@pytest.fixture(scope="module")
def run(request) -> Session:
    session = run_session("chromium", audio=True)
    request.config.parley_browser_lines.append(checks.summary_line(session))
    yield session
    discard(session)


def test_subscriber_decodes_growing_frames(run):
    checks.require_flow(run)
    checks.frames_decoded_and_growing(run)


def test_remote_stream_id_is_publisher_video(run):
    checks.remote_stream_id_is_publisher_video(run)


def test_publisher_answer(run):
    checks.publisher_answer_is_ice_lite_vp8_on_media_port(run)


def test_subscriber_offer_and_subscribed_event(run):
    checks.subscriber_offer_labels_stream_and_mid(run)


def test_media_over_loopback_with_srtp(run):
    checks.media_over_loopback_with_srtp(run)


def test_server_survives_the_browsers(run):
    checks.server_alive_and_stops_cleanly(run)


@pytest.fixture(scope="module")
def simulcast_run(request) -> Session:
    session = run_session("chromium", simulcast=True, deadline=80.0, timeout=105.0,
                          extra_args=["--layer-switch", "--room-bitrate", "2500000"])
    request.config.parley_browser_lines.append(checks.summary_line(session))
    yield session
    discard(session)


def test_simulcast_offer_gives_one_clean_stream(simulcast_run):
    checks.simulcast_offer_gives_one_clean_stream(simulcast_run)


def test_simulcast_layer_follows_subscriber_bandwidth(simulcast_run):
    checks.layer_follows_subscriber_bandwidth(simulcast_run)
