"""Headless Firefox ESR through Parley: Firefox ↔ Firefox, and Chromium publishing to a Firefox
subscriber (issue 4, item 7). Same flow and checks as ``test_chromium.py``.

Firefox gathers host candidates only with a default route (see ``session.py``): the namespace
gets ``default dev lo src 127.0.0.1`` and still has nothing but ``lo``.
"""

import pytest

import checks
from session import Session, discard, run_session

PAIRS = {"firefox": ("firefox", "firefox"), "chromium-to-firefox": ("chromium", "firefox")}


@pytest.fixture(scope="module", params=list(PAIRS))
def run(request) -> Session:
    publisher, subscriber = PAIRS[request.param]
    session = run_session(publisher, subscriber_browser=subscriber)
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
    """Firefox publishes with simulcast (rids h/m/l) to a Firefox subscriber that limits and
    then frees its receive bandwidth, as in ``test_chromium.py``."""
    session = run_session("firefox", simulcast=True, deadline=80.0, timeout=105.0,
                          extra_args=["--layer-switch", "--room-bitrate", "2500000"])
    request.config.parley_browser_lines.append(checks.summary_line(session))
    yield session
    discard(session)


def test_firefox_simulcast_offer_gives_one_clean_stream(simulcast_run):
    checks.simulcast_offer_gives_one_clean_stream(simulcast_run)


def test_firefox_simulcast_layer_follows_subscriber_bandwidth(simulcast_run):
    checks.layer_follows_subscriber_bandwidth(simulcast_run)
