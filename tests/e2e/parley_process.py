"""Start and stop a built ``parley`` server for tests and benchmarks.

``ParleyProcess`` runs ``parley serve --config <repo>/config/parley.yaml`` with the environment
overrides ``PARLEY_HTTP_ADDRESS``, ``PARLEY_MEDIA_ADDRESS``, ``PARLEY_MEDIA_ANNOUNCED_ADDRESS``,
``PARLEY_DATABASE_URL`` and ``PARLEY_TOKEN_SECRET``: free loopback ports, a fresh SQLite file in a
temporary directory and a random secret. The server's stdout and stderr go to ``log_path``;
``log_tail()`` returns its end for failure messages. Tokens come from ``parley token``.

Everything here is synchronous (subprocess, urllib): call it before or after the asyncio part,
or through ``wsc_client.run_blocking``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parents[2]
JWT_PATTERN = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def default_binary() -> Path:
    """``$PARLEY_BINARY`` or ``<repo>/.build/debug/parley``."""
    return Path(os.environ.get("PARLEY_BINARY") or REPO_ROOT / ".build" / "debug" / "parley")


def free_port(kind: int) -> int:
    """A currently free 127.0.0.1 port for ``socket.SOCK_STREAM`` or ``socket.SOCK_DGRAM``."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerError(Exception):
    pass


class ParleyProcess:
    def __init__(self, binary: Optional[Path] = None, *, log_level: Optional[str] = None, keep_dir: bool = False) -> None:
        """``log_level``: passed as ``parley serve --log-level`` (trace … critical); None keeps
        the server's default. ``keep_dir``: leave the temporary directory (log, database)."""
        self.binary = Path(binary) if binary else default_binary()
        self.log_level = log_level
        self.keep_dir = keep_dir
        self.workdir = Path(tempfile.mkdtemp(prefix="parley-e2e-"))
        self.log_path = self.workdir / "server.log"
        self.secret = secrets.token_urlsafe(32)
        self.http_port = free_port(socket.SOCK_STREAM)
        self.media_port = free_port(socket.SOCK_DGRAM)
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        self.process: Optional[subprocess.Popen] = None
        self.exit_code: Optional[int] = None
        self._log_file = None
        # More PARLEY_* settings for this server (e.g. PARLEY_MEDIA_ROOM_BITRATE).
        self.extra_env: dict[str, str] = {}

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PARLEY_HTTP_ADDRESS=f"127.0.0.1:{self.http_port}",
            PARLEY_MEDIA_ADDRESS=f"127.0.0.1:{self.media_port}",
            PARLEY_MEDIA_ANNOUNCED_ADDRESS="127.0.0.1",
            PARLEY_DATABASE_URL=f"sqlite:{self.workdir / 'parley.sqlite'}",
            PARLEY_TOKEN_SECRET=self.secret,
        )
        env.update(self.extra_env)
        return env

    # ---- lifecycle ----------------------------------------------------------------------

    def start(self, ready_timeout: float = 30.0) -> "ParleyProcess":
        """Start the server and wait until its HTTP port answers (any HTTP status counts)."""
        if not self.binary.is_file():
            raise ServerError(f"server binary {self.binary} does not exist: run `swift build` first (scripts/test does)")
        config = REPO_ROOT / "config" / "parley.yaml"
        self._log_file = open(self.log_path, "wb")
        command = [str(self.binary), "serve", "--config", str(config)]
        if self.log_level:
            command += ["--log-level", self.log_level]
        self.process = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        self.wait_ready(ready_timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error = "no attempt"
        while time.monotonic() < deadline:
            assert self.process is not None
            code = self.process.poll()
            if code is not None:
                self.exit_code = code
                raise ServerError(f"parley serve exited with code {code} during start-up\n{self.log_tail()}")
            try:
                urllib.request.urlopen(self.base_url + "/meetings", timeout=1).close()
                return
            except urllib.error.HTTPError:
                return  # 401 without a token: the HTTP server is up
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            time.sleep(0.1)
        raise ServerError(f"parley serve not answering on {self.base_url} after {timeout} s ({last_error})\n{self.log_tail()}")

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGTERM (graceful shutdown), then SIGKILL after ``timeout`` s. Returns the exit code."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process is not None:
            self.exit_code = self.process.returncode
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        return self.exit_code

    def cleanup(self) -> None:
        self.stop()
        if not self.keep_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> "ParleyProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.cleanup()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # ---- tools ----------------------------------------------------------------------------

    def mint_token(self, user_id: str, name: str, email: Optional[str] = None, guest: bool = False) -> str:
        """``parley token --user-id … --name … [--email …] [--guest] --secret <this server's>``."""
        args = [str(self.binary), "token", "--user-id", user_id, "--name", name]
        if email:
            args += ["--email", email]
        if guest:
            args.append("--guest")
        # `--secret=VALUE`: a token_urlsafe secret may start with "-", which a separate argument
        # would make look like an option.
        args.append(f"--secret={self.secret}")
        done = subprocess.run(args, env=self.environment(), cwd=self.workdir, capture_output=True, text=True, timeout=30)
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        token = lines[-1] if lines else ""
        if done.returncode != 0 or not JWT_PATTERN.match(token):
            raise ServerError(
                f"`{' '.join(args[:-1])} --secret=***` exited {done.returncode}, stdout {done.stdout!r}, "
                f"stderr {done.stderr[-2000:]!r}: expected one JWT on stdout"
            )
        return token

    def cpu_seconds(self) -> float:
        """utime + stime of the server process so far, from ``/proc/<pid>/stat`` (seconds)."""
        return process_cpu_seconds(self.pid)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text("utf-8", "replace")
        except OSError as exc:
            return f"(no server log: {exc})"
        tail = text.splitlines()[-lines:]
        return f"--- last {len(tail)} lines of {self.log_path} ---\n" + "\n".join(tail)


def process_cpu_seconds(pid: int) -> float:
    """utime + stime (fields 14 and 15 of ``/proc/<pid>/stat``) in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read().decode("ascii", "replace")
    # The command name (field 2) is in parentheses and may itself contain spaces or ')'.
    fields = stat[stat.rindex(")") + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")
