"""Shared set-up for the e2e test and the forwarding benchmark: users with tokens and open
WebSockets, a group room, a started permanent meeting, everyone joined."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Optional

from parley_process import ParleyProcess
from wsc_client import WscClient, WscError, run_blocking


@dataclass
class User:
    user_id: str
    name: str
    token: str


async def mint_users(server: ParleyProcess, names: list[str]) -> list[User]:
    """One ``parley token`` per name (run off the event loop), fresh UUIDs."""
    ids = [str(uuid.uuid4()) for _ in names]
    tokens = await asyncio.gather(*(
        run_blocking(server.mint_token, uid, name, f"{name.split()[0].lower()}@parley.test")
        for uid, name in zip(ids, names)
    ))
    return [User(uid, name, token) for uid, name, token in zip(ids, names, tokens)]


async def connect_clients(server: ParleyProcess, users: list[User], *, auth: Optional[list[str]] = None,
                          ping_interval: float = 5.0) -> list[WscClient]:
    """For each user: a ``WscClient`` with its ``/events`` WebSocket open. The authenticated
    upgrade is the user's first request, which makes the server record the user, so every
    user can be added to a room afterwards."""
    clients = []
    for index, user in enumerate(users):
        mode = auth[index] if auth else "cookie"
        client = WscClient(server.base_url, user.token, user_id=user.user_id, label=user.name, auth=mode,
                           ping_interval=ping_interval)
        await client.open()
        clients.append(client)
    await asyncio.gather(*(c.connect_events() for c in clients))
    return clients


async def started_meeting(owner: WscClient, members: list[WscClient], name: str) -> tuple[dict, dict]:
    """``POST /rooms`` (group, owner + members), ``POST /meetings`` (permanent), ``/start``."""
    room = await owner.create_group_room(name, [m.user_id for m in members])
    if not isinstance(room, dict) or "id" not in room:
        raise WscError(f"{owner.label}: POST /rooms returned {room!r}, expected a Room with an id")
    meeting = await owner.create_meeting(room["id"], name)
    if not isinstance(meeting, dict) or "id" not in meeting:
        raise WscError(f"{owner.label}: POST /meetings returned {meeting!r}, expected a Meeting with an id")
    await owner.start_meeting(meeting["id"])
    return room, meeting


async def close_all(*closables) -> None:
    for item in closables:
        try:
            await item.close()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
