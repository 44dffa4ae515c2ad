#!/usr/bin/env python3
"""Schemathesis against a live Parley server (issue 3 §7), bounded and reproducible.

Starts the built ``parley`` (``$PARLEY_BINARY`` or ``.build/debug/parley``) on free loopback
ports, with a fresh SQLite file or — with ``--database-url postgres://…`` — a new schema with a
random name in that PostgreSQL database (scripts/test deletes its whole throw-away cluster). Seeds data through the API (rooms, a permanent meeting with
participants, a scheduled meeting with a waiting user) and feeds the seeded ids to schemathesis
as dictionaries, so generated requests reach the real logic instead of 404s. Authenticated as
the rooms' owner with a token from ``parley token``.

Three stages, each with ``--max-examples`` cases per operation and a wall-clock limit: the
operations that need the owner in a running meeting (media, audio, hand, recording, queue), then
every other operation except the destructive ones, then those (meeting, room, member deletion). Checks: no 5xx, documented status codes, content types, headers and response schemas.

Writes one JUnit XML (``--junit``) with a test case per operation and stage; exits 1 when any
case failed or a stage could not run, 0 otherwise. Prints the server log tail on failure.

usage: run.py [--database-url URL] [--max-examples N] [--stage-timeout S] [--junit PATH] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
from parley_process import ParleyProcess, ServerError  # noqa: E402

CHECKS = ",".join([
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
])
# Operations that need the owner to be a participant of the seeded meetings: run first, before
# anything can stop those meetings or make the owner leave.
IN_MEETING = [
    ("PUT", "/meetings/{meetingId}/audio"),
    ("PUT", "/meetings/{meetingId}/audio/offer"),
    ("PUT", "/meetings/{meetingId}/hand"),
    ("PUT", "/meetings/{meetingId}/media"),
    ("PUT", "/meetings/{meetingId}/media/answer"),
    ("PUT", "/meetings/{meetingId}/media/subscribe"),
    ("POST", "/meetings/{meetingId}/startRecording"),
    ("POST", "/meetings/{meetingId}/stopRecording"),
    ("GET", "/meetings/{meetingId}/queue"),
    ("POST", "/meetings/{meetingId}/queue/{userId}"),
]
# Operations that destroy the seeded data: run after everything else.
DESTRUCTIVE = [
    ("DELETE", "/meetings/{meetingId}"),
    ("DELETE", "/rooms/{roomId}"),
    ("DELETE", "/rooms/{roomId}/members/{userId}"),
]


def name_regex(operations: list[tuple[str, str]]) -> str:
    """A regex matching exactly these schemathesis operation names (`METHOD /path`)."""
    return "|".join(f"^{method} {path}$" for method, path in operations).replace("{", "\\{").replace("}", "\\}")


class Server(ParleyProcess):
    """ParleyProcess with an optional database URL instead of its SQLite file."""

    def __init__(self, database_url: str | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.database_url = database_url

    def environment(self) -> dict[str, str]:
        env = super().environment()
        if self.database_url:
            env["PARLEY_DATABASE_URL"] = self.database_url
        return env


def with_fresh_schema(url: str) -> str:
    schema = "parley_st_" + uuid.uuid4().hex[:16]
    return url + ("&" if "?" in url else "?") + "schema=" + schema


class Client:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def call(self, method: str, path: str, token: str, body: object | None = None,
             queue_id: str | None = None, expect: tuple[int, ...] = (200,)) -> object:
        headers = {"Cookie": f"ZM_AUTH_TOKEN={token}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if queue_id:
            headers["queue-id"] = queue_id
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        if status not in expect:
            raise ServerError(f"seeding: {method} {path} answered {status} (expected {expect}): {payload[:300]!r}")
        return json.loads(payload) if payload else None


def seed(server: Server) -> dict[str, object]:
    """Users, rooms and meetings for the fuzzer; returns ids and the owner's token."""
    users = {name: str(uuid.uuid4()) for name in ("alice", "bob", "carol", "dave")}
    tokens = {name: server.mint_token(user_id, name.capitalize(), email=f"{name}@example.org")
              for name, user_id in users.items()}
    client = Client(server.base_url)
    for name in users:  # the server records users the first time their token is seen
        client.call("GET", "/meetings", tokens[name])
    group = client.call("POST", "/rooms", tokens["alice"], {
        "type": "group", "name": "Schemathesis group", "description": "seeded",
        "members": [{"userId": users["bob"], "owner": False}, {"userId": users["carol"], "owner": True}],
    }, expect=(201,))
    temporary = client.call("POST", "/rooms", tokens["alice"], {
        "type": "temporary", "name": "Schemathesis waiting room", "members": [{"userId": users["bob"]}],
    }, expect=(201,))
    permanent = client.call("POST", "/meetings", tokens["alice"], {
        "name": "Permanent", "meetingType": "permanent", "roomId": group["id"]})
    scheduled = client.call("POST", "/meetings", tokens["alice"], {
        "name": "Scheduled", "meetingType": "scheduled", "roomId": temporary["id"],
        "expiration": "2099-01-01T00:00:00Z"})
    queues = {name: str(uuid.uuid4()) for name in users}
    join = {"audioStreamEnabled": False, "videoStreamEnabled": False}
    client.call("POST", f"/meetings/{permanent['id']}/start", tokens["alice"])
    client.call("POST", f"/meetings/{permanent['id']}/join", tokens["alice"], join, queue_id=queues["alice"])
    client.call("POST", f"/meetings/{permanent['id']}/join", tokens["bob"], join, queue_id=queues["bob"])
    client.call("POST", f"/meetings/{scheduled['id']}/start", tokens["alice"])
    client.call("POST", f"/meetings/{scheduled['id']}/join", tokens["alice"], join, queue_id=queues["alice"])
    client.call("POST", f"/meetings/{scheduled['id']}/join", tokens["bob"], join, queue_id=queues["bob"])
    return {
        "token": tokens["alice"],
        "users": list(users.values()),
        "rooms": [group["id"], temporary["id"]],
        "meetings": [permanent["id"], scheduled["id"]],
        "queues": [queues["alice"]],
    }


def toml_list(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def write_config(path: Path, data: dict[str, object]) -> None:
    """schemathesis.toml: seeded ids as dictionaries, bound to parameters and body fields."""
    bindings = {
        "path.meetingId": "meetings", "path.roomId": "rooms", "path.userId": "users",
        "header.queue-id": "queues",
        "body.roomId": "rooms", "body.userToModerate": "users",
        "body.members[*].userId": "users", "body.[*].userId": "users",
        "body.subscribe[*].userId": "users", "body.unsubscribe[*].userId": "users",
    }
    lines = ["[dictionaries]"]
    for name in ("meetings", "rooms", "users", "queues"):
        lines.append(f"{name} = {{ values = {toml_list(data[name])} }}")
    lines.append("")
    lines.append("[parameters]")
    for key, dictionary in bindings.items():
        lines.append(f'"{key}" = {{ dictionary = "{dictionary}", probability = 0.75 }}')
    path.write_text("\n".join(lines) + "\n")


def run_stage(name: str, server: Server, token: str, config: Path, workdir: Path, args: argparse.Namespace,
              selection: list[str]) -> tuple[Path, int, float]:
    junit = workdir / f"{name}.xml"
    command = [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
        f"{server.base_url}/openapi.yaml",
        "--header", f"Cookie: ZM_AUTH_TOKEN={token}",
        "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(args.max_examples),
        "--seed", str(args.seed),
        # One worker: with two, hypothesis builds ASTs on two threads at once and CPython 3.11
        # can fail with "AST constructor recursion depth mismatch" (a tool error, not a finding).
        "--workers", "1",
        "--request-timeout", "10",
        "--report", "junit", "--report-junit-path", str(junit),
        "--no-color", "--output-truncate", "true",
        *selection,
    ]
    print(f"==> schemathesis stage {name}: {' '.join(c for c in command if not c.startswith('Cookie'))}", flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=workdir, timeout=args.stage_timeout, stdin=subprocess.DEVNULL)
        code = done.returncode
    except subprocess.TimeoutExpired:
        print(f"schemathesis stage {name} exceeded {args.stage_timeout} s", flush=True)
        code = -1
    return junit, code, time.monotonic() - started


def merge_junit(stages: list[tuple[str, Path, int]], output: Path) -> tuple[int, int]:
    """One <testsuites> of every stage's cases (a stage without report counts one failure)."""
    root = ET.Element("testsuites", name="schemathesis")
    passed = failed = 0
    for name, path, code in stages:
        suite = ET.SubElement(root, "testsuite", name=f"schemathesis.{name}")
        cases: list[ET.Element] = []
        try:
            tree = ET.parse(path).getroot()
            cases = list(tree.iter("testcase"))
        except (OSError, ET.ParseError):
            pass
        if not cases or (code != 0 and not any(c.find("failure") is not None or c.find("error") is not None for c in cases)):
            case = ET.SubElement(suite, "testcase", name=f"{name} (run)", classname="schemathesis")
            message = "no report" if not cases else f"schemathesis exited {code}"
            ET.SubElement(case, "failure", message=message)
        for case in cases:
            case.set("name", f"{name}: {case.get('name', '?')}")
            suite.append(case)
        tests = list(suite.iter("testcase"))
        bad = [c for c in tests if c.find("failure") is not None or c.find("error") is not None]
        skipped = [c for c in tests if c.find("skipped") is not None and c not in bad]
        suite.set("tests", str(len(tests)))
        suite.set("failures", str(len(bad)))
        suite.set("errors", "0")
        suite.set("skipped", str(len(skipped)))
        passed += len(tests) - len(bad) - len(skipped)
        failed += len(bad)
    ET.ElementTree(root).write(output, encoding="utf-8", xml_declaration=True)
    return passed, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="postgres://… base URL (a fresh schema is used); default: SQLite file")
    parser.add_argument("--max-examples", type=int, default=int(os.environ.get("PARLEY_SCHEMATHESIS_EXAMPLES", "25")))
    parser.add_argument("--stage-timeout", type=float, default=float(os.environ.get("PARLEY_SCHEMATHESIS_TIMEOUT", "240")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("PARLEY_SCHEMATHESIS_SEED", "20261129")))
    parser.add_argument("--junit", type=Path, default=Path("schemathesis-junit.xml"))
    args = parser.parse_args()

    if shutil.which("st") is None:
        try:
            import schemathesis  # noqa: F401
        except ImportError:
            print("schemathesis is not installed (scripts/install-deps installs it)", file=sys.stderr)
            return 1
    workdir = Path(tempfile.mkdtemp(prefix="parley-schemathesis-"))
    database = with_fresh_schema(args.database_url) if args.database_url else None
    server = Server(database)
    started = time.monotonic()
    status = 1
    try:
        server.start()
        data = seed(server)
        config = workdir / "schemathesis.toml"
        write_config(config, data)
        print(f"==> seeded in {time.monotonic() - started:.1f} s: rooms {data['rooms']}, meetings {data['meetings']}",
              flush=True)
        selections = (
            ("in-meeting", ["--include-name-regex", name_regex(IN_MEETING)]),
            ("main", ["--exclude-name-regex", name_regex(IN_MEETING + DESTRUCTIVE)]),
            ("destructive", ["--include-name-regex", name_regex(DESTRUCTIVE)]),
        )
        stages = []
        for name, selection in selections:
            junit, code, seconds = run_stage(name, server, data["token"], config, workdir, args, selection)
            print(f"==> stage {name}: exit {code} in {seconds:.1f} s", flush=True)
            stages.append((name, junit, code))
            if not server.alive():
                print("parley server died", flush=True)
                break
        passed, failed = merge_junit(stages, args.junit)
        alive = server.alive()
        if not alive:
            failed += 1
        print(f"schemathesis: {passed} passed, {failed} failed ({time.monotonic() - started:.1f} s, "
              f"{'SQLite' if database is None else 'PostgreSQL'})", flush=True)
        status = 0 if failed == 0 and all(code == 0 for _, _, code in stages) and alive else 1
    except ServerError as error:
        print(f"schemathesis could not run: {error}", flush=True)
        root = ET.Element("testsuites")
        suite = ET.SubElement(root, "testsuite", name="schemathesis", tests="1", failures="1")
        ET.SubElement(ET.SubElement(suite, "testcase", name="setup"), "failure", message=str(error)[:500])
        ET.ElementTree(root).write(args.junit, encoding="utf-8", xml_declaration=True)
    finally:
        if status != 0:
            print(server.log_tail(80), flush=True)
        server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
