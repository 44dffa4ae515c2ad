"""parley-load smoke run (issue 6): 10 simulated participants (2 publishers) for 20 s against the
freshly built server, through real ICE/DTLS/SRTP and the WSC API. Asserts every participant
flowing, no failure, video loss < 1 %, frames and delays measured, and that the JSON and HTML
reports were written. ``parley-load`` is found next to ``$PARLEY_BINARY`` (``swift build`` builds both).
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from parley_process import ParleyProcess, default_binary


def load_binary() -> Path:
    return Path(os.environ.get("PARLEY_LOAD_BINARY") or default_binary().parent / "parley-load")


def test_load_smoke_ten_participants_twenty_seconds(tmp_path: Path) -> None:
    binary = load_binary()
    if not binary.exists():
        pytest.fail(f"{binary} not built: run `swift build` (scripts/test does)")
    report, html = tmp_path / "load.json", tmp_path / "load.html"
    with ParleyProcess() as server:
        cmd = [
            str(binary), "--server", server.base_url,
            "--participants", "10", "--publishers", "2", "--duration", "20", "--ramp", "10",
            "--audio", "--quiet", "--report", str(report), "--html", str(html),
        ]
        # The secret goes through the environment: one starting with "-" would read as an option.
        env = dict(os.environ, PARLEY_TOKEN_SECRET=server.secret)
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 0, f"parley-load exited {result.returncode}\n{result.stdout}\n{result.stderr}\n{server.log_tail()}"
    data = json.loads(report.read_text())
    s = data["summary"]
    detail = result.stdout
    assert s["participants"] == 10, detail
    assert s["failed"] == 0, f"failures: {s['failureReasons']}\n{detail}"
    assert s["flowing"] == 10, f"not every participant flowing\n{detail}"
    # Every participant receives the 2 publishers except the publishers themselves (1 each).
    assert s["streamsExpected"] == 8 * 2 + 2 * 1, detail
    assert s["streamsFlowing"] == s["streamsExpected"], detail
    assert s["packetsExpected"] > 3000, detail
    assert s["lossPercent"] < 1.0, detail
    assert s["framesReceived"] >= 0.95 * s["framesExpected"] > 0, detail
    assert 0 < s["delayP50Ms"] <= s["delayP99Ms"] < 1000, detail
    assert s["serverCPUSeconds"] is not None and s["serverCPUSeconds"] > 0, detail
    assert "<svg" in html.read_text()
    print(detail)
