"""The test page's HTTP server: static files, a same-origin proxy of the Parley API, and /report.

Parley answers no CORS preflight, so the page cannot call it from another origin. This server
serves ``page/`` and forwards everything else to Parley: plain requests with their method, body
and the headers the WSC client sends (``Cookie``, ``Authorization``, ``queue-id``,
``Content-Type``), and the WebSocket ``/events`` (upgrade forwarded with the same headers, then
text frames relayed both ways; a refused upgrade is answered with Parley's status). So the page
authenticates like the WSC web client does: with the cookie ``ZM_AUTH_TOKEN``.

``POST /report?page=<label>`` takes a JSON array of records from the page (see
``page/parley_client.js``) and appends them to ``PageServer.reports[label]``; ``waiters`` are
woken on every batch.

Runs on the caller's asyncio loop (aiohttp)::

    server = PageServer(parley_base_url="http://127.0.0.1:10000")
    await server.start(hosts=("127.0.0.2", "127.0.0.3"))   # one port: server.port
    ...
    await server.stop()
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Optional

import aiohttp
from aiohttp import web

PAGE_DIR = Path(__file__).resolve().parent / "page"
FORWARDED_HEADERS = ("Cookie", "Authorization", "queue-id", "Content-Type", "Accept")
MAX_BODY = 1 << 20


class PageServer:
    def __init__(self, parley_base_url: str) -> None:
        self.parley = parley_base_url.rstrip("/")
        self.reports: dict[str, list[dict[str, Any]]] = {}
        self.proxy_log: list[str] = []  # "METHOD path -> status" for every proxied request
        self.changed = asyncio.Event()
        self.port = 0
        self._runner: Optional[web.AppRunner] = None
        self._client: Optional[aiohttp.ClientSession] = None
        self._sockets: set[web.WebSocketResponse] = set()

    # ---- lifecycle ----------------------------------------------------------------------------

    async def start(self, hosts: tuple[str, ...] = ("127.0.0.1",), port: int = 0) -> "PageServer":
        """Listen on every address of ``hosts`` with one port (``port``, or the one the first
        address got)."""
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), cookie_jar=aiohttp.DummyCookieJar())
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post("/report", self._report)
        app.router.add_get("/", self._index)
        app.router.add_get("/index.html", self._index)
        app.router.add_get("/parley_client.js", self._script)
        app.router.add_get("/events", self._events)
        app.router.add_route("*", "/{tail:.*}", self._proxy)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        for host in hosts:
            site = web.TCPSite(self._runner, host, port)
            await site.start()
            port = port or self._runner.addresses[0][1]
        self.port = port
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.close()

    # ---- static page and reports ----------------------------------------------------------------

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(PAGE_DIR / "index.html", headers={"Cache-Control": "no-store"})

    async def _script(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(PAGE_DIR / "parley_client.js", headers={"Cache-Control": "no-store"})

    async def _report(self, request: web.Request) -> web.Response:
        page = request.query.get("page", "?")
        try:
            records = await request.json()
        except (ValueError, UnicodeDecodeError):
            return web.Response(status=400, text="body is not JSON")
        if not isinstance(records, list):
            return web.Response(status=400, text="body must be a JSON array")
        received = time.monotonic()
        bucket = self.reports.setdefault(page, [])
        for record in records:
            if isinstance(record, dict):
                record["received"] = received
                bucket.append(record)
        self.changed.set()
        return web.Response(status=204)

    def records(self, page: str, kind: Optional[str] = None) -> list[dict[str, Any]]:
        return [r for r in self.reports.get(page, []) if kind is None or r.get("kind") == kind]

    # ---- proxy ------------------------------------------------------------------------------------

    def _upstream_headers(self, request: web.Request) -> dict[str, str]:
        return {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}

    async def _proxy(self, request: web.Request) -> web.Response:
        assert self._client is not None
        body = await request.read()
        url = self.parley + request.rel_url.path_qs
        try:
            async with self._client.request(request.method, url, headers=self._upstream_headers(request),
                                            data=body if body else None, allow_redirects=False) as upstream:
                payload = await upstream.read()
                status = upstream.status
                headers = {k: v for k, v in upstream.headers.items() if k.lower() in ("content-type", "location", "set-cookie")}
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            self.proxy_log.append(f"{request.method} {request.rel_url.path} -> proxy error {exc!r}")
            return web.Response(status=502, text=f"page server could not reach Parley: {exc!r}")
        self.proxy_log.append(f"{request.method} {request.rel_url.path} -> {status}")
        return web.Response(status=status, body=payload, headers=headers)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Relay the WebSocket ``/events`` to Parley (text frames both ways)."""
        assert self._client is not None
        url = self.parley.replace("http", "ws", 1) + "/events"
        try:
            upstream = await self._client.ws_connect(url, headers=self._upstream_headers(request), autoping=True)
        except aiohttp.WSServerHandshakeError as exc:
            self.proxy_log.append(f"GET /events (upgrade) -> {exc.status}")
            return web.Response(status=exc.status, text=f"Parley refused the upgrade: {exc.message}")
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            self.proxy_log.append(f"GET /events (upgrade) -> proxy error {exc!r}")
            return web.Response(status=502, text=f"page server could not reach Parley: {exc!r}")
        self.proxy_log.append("GET /events (upgrade) -> 101")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.add(ws)

        async def browser_to_parley() -> None:
            async for message in ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await upstream.send_str(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await upstream.send_bytes(message.data)

        async def parley_to_browser() -> None:
            async for message in upstream:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await ws.send_str(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await ws.send_bytes(message.data)

        tasks = [asyncio.create_task(browser_to_parley()), asyncio.create_task(parley_to_browser())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await upstream.close()
            await ws.close()
            self._sockets.discard(ws)
        return ws


def dump_reports(server: PageServer, path: Path) -> None:
    path.write_text(json.dumps(server.reports, indent=1, default=str))
