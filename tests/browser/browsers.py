"""Start headless Chromium or Firefox ESR on given URLs, and loopback-only network namespaces.

The page drives itself (``page/parley_client.js``): a browser here only has to open URLs with a
fake camera and microphone, without permission prompts, with loopback ICE candidates. No
WebDriver is needed, so the same harness runs both browsers.

``BrowserProcess`` runs the browser in its own process group with stdout/stderr in ``log_path``
(Chromium's ``--enable-logging=stderr`` and Firefox's ``devtools.console.stdout.content`` put the
pages' console there too) and stops it by that group's id.

``NetNamespace`` (``ip netns add`` … ``ip netns del``): a namespace with only ``lo`` up, so that
the browser gathers 127.0.0.1 only and nothing can leave the machine (PEERS.md). Firefox also
needs a default route there (``add_default_route_via_lo``, see ``session.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional, Sequence

CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
FIREFOX_CANDIDATES = ("/usr/lib/firefox-esr/firefox-esr", "/usr/bin/firefox-esr", "/usr/bin/firefox")


def find_executable(candidates: Sequence[str]) -> Optional[str]:
    for path in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def chromium_executable() -> Optional[str]:
    return os.environ.get("PARLEY_CHROMIUM") or find_executable(CHROMIUM_CANDIDATES)


def firefox_executable() -> Optional[str]:
    return os.environ.get("PARLEY_FIREFOX") or find_executable(FIREFOX_CANDIDATES)


# The flags of PEERS.md, plus: no background throttling of timers and renderers, and no background
# networking (there is nothing to reach in the namespace).
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream=fps=30",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--enable-logging=stderr",
    "--v=0",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
)

# Firefox ESR preferences (user.js): fake camera/microphone without prompt, loopback ICE host
# candidates without mDNS obfuscation, console to stdout, and nothing reaching out on start.
FIREFOX_PREFS = {
    "media.navigator.streams.fake": True,
    "media.navigator.permission.disabled": True,
    "media.peerconnection.ice.loopback": True,
    "media.peerconnection.ice.obfuscate_host_addresses": False,
    "media.peerconnection.ice.link_local": True,
    "media.autoplay.default": 0,
    "media.autoplay.blocking_policy": 0,
    "devtools.console.stdout.content": True,
    "dom.min_background_timeout_value": 4,
    "dom.timeout.enable_budget_timer_throttling": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.update.enabled": False,
    "app.update.auto": False,
    "app.normandy.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "browser.tabs.warnOnClose": False,
    "browser.sessionstore.resume_from_crash": False,
}


class BrowserError(Exception):
    pass


class BrowserProcess:
    """One headless browser process (and its children) opened on ``urls``."""

    def __init__(self, kind: str, urls: Sequence[str], workdir: Path, *, name: str = "",
                 extra_args: Sequence[str] = ()) -> None:
        """``urls``: headless Chromium opens exactly one ("Multiple targets are not supported in
        headless mode"): start one process per page. ``name`` names the log, ``<name>.log``."""
        if kind not in ("chromium", "firefox"):
            raise ValueError(f"kind must be chromium or firefox, not {kind!r}")
        self.kind = kind
        self.name = name or kind
        self.urls = list(urls)
        self.workdir = Path(workdir)
        self.extra_args = list(extra_args)
        self.log_path = self.workdir / f"{self.name}.log"
        self.profile = Path(tempfile.mkdtemp(prefix=f"{self.name}-profile-", dir=self.workdir))
        self.process: Optional[subprocess.Popen] = None
        self._log = None
        self.started_at = 0.0

    def command(self) -> list[str]:
        if self.kind == "chromium":
            exe = chromium_executable()
            if exe is None:
                raise BrowserError(f"no Chromium executable (looked at {', '.join(CHROMIUM_CANDIDATES)}): "
                                   "apt-get install chromium (scripts/install-deps does)")
            return [exe, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", *self.extra_args, *self.urls]
        exe = firefox_executable()
        if exe is None:
            raise BrowserError(f"no Firefox executable (looked at {', '.join(FIREFOX_CANDIDATES)}): apt-get install firefox-esr")
        lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in FIREFOX_PREFS.items()]
        (self.profile / "user.js").write_text("\n".join(lines) + "\n")
        return [exe, "--headless", "--no-remote", "--profile", str(self.profile), *self.extra_args, *self.urls]

    def start(self) -> "BrowserProcess":
        command = self.command()
        env = dict(os.environ)
        env.setdefault("HOME", str(self.profile))
        env["MOZ_HEADLESS"] = "1" if self.kind == "firefox" else env.get("MOZ_HEADLESS", "")
        self._log = open(self.log_path, "wb")
        self._log.write(("$ " + " ".join(command) + "\n").encode())
        self._log.flush()
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                        env=env, cwd=self.workdir, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 5.0) -> Optional[int]:
        """SIGTERM to the browser's process group, SIGKILL after ``timeout`` s."""
        if self.process is None:
            return None
        pgid = self.process.pid  # start_new_session: the group id is the browser's pid
        if self.process.poll() is None:
            try:
                os.killpg(pgid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(pgid, signal.SIGKILL)  # children (renderers, GPU/utility processes) too
        except ProcessLookupError:
            pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.profile, ignore_errors=True)

    def log_tail(self, lines: int = 60, grep: Optional[str] = None) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace").splitlines()
        except OSError as exc:
            return f"(no browser log: {exc})"
        if grep:
            text = [line for line in text if grep in line]
        tail = text[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path}{' matching ' + repr(grep) if grep else ''} ---\n" + "\n".join(tail)


class NetNamespace:
    """``ip netns add NAME`` with only ``lo`` up; ``wrap(cmd)`` runs a command inside it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.created = False

    @staticmethod
    def available() -> Optional[str]:
        """None when namespaces can be made here, else why not."""
        if shutil.which("ip") is None:
            return "no `ip` command (Debian iproute2)"
        if os.geteuid() != 0:
            return "`ip netns add` needs root"
        return None

    def create(self) -> "NetNamespace":
        run = subprocess.run(["ip", "netns", "add", self.name], capture_output=True, text=True)
        if run.returncode != 0:
            raise BrowserError(f"ip netns add {self.name}: {run.stderr.strip()}")
        self.created = True
        run = subprocess.run(["ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
        if run.returncode != 0:
            self.delete()
            raise BrowserError(f"ip link set lo up in {self.name}: {run.stderr.strip()}")
        return self

    def add_default_route_via_lo(self) -> None:
        """``ip route add default dev lo src 127.0.0.1``: a "default address" of 127.0.0.1 for
        ICE agents that gather only that (Firefox). Still nothing but ``lo`` in the namespace."""
        run = subprocess.run(self.wrap(["ip", "route", "add", "default", "dev", "lo", "src", "127.0.0.1"]),
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise BrowserError(f"ip route add default dev lo in {self.name}: {run.stderr.strip()}")

    def kill_remaining(self) -> list[int]:
        """SIGKILL, by pid, every process still inside the namespace (``ip netns pids``): only
        what this harness started runs there. Returns the pids."""
        if not self.created:
            return []
        run = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True)
        pids = [int(p) for p in run.stdout.split() if p.isdigit()]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return pids

    def wrap(self, command: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *command]

    def interfaces(self) -> str:
        run = subprocess.run(self.wrap(["ip", "-br", "addr"]), capture_output=True, text=True)
        return run.stdout.strip()

    def delete(self) -> None:
        if self.created:
            subprocess.run(["ip", "netns", "del", self.name], capture_output=True)
            self.created = False

    def __enter__(self) -> "NetNamespace":
        return self.create()

    def __exit__(self, *exc) -> None:
        self.delete()
