"""Scenario 23: proxy passwords of sub-users and of the residential profile leak nowhere.

Against the emulator (every sub-user and profile read, answers cut short on the way) and
against loopback servers whose answers carry passwords in every wrong shape: a body of the
wrong type, ``success: false``, an error page quoting the password (JSON, HTML, a form), two
sub-users for one id, a create answer cut short, a body over the excerpt size. Every log line
(DEBUG, every logger) and the str, repr and traceback of every error and of every error
chained to it are searched for each password and for its first eight characters.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from aiohttp import web

from proxyorders_async import (
    APIError,
    APIResponseValidationError,
    OutcomeUnknownError,
    ProxyOrdersClient,
    ProxyOrdersError,
)
from proxyorders_async.emulator import Emulator

from ._support import FAST, LogCapture, capture_logs, client_for, loopback_server, record

TOKEN = "sk_live_S23PasswordScanToken"
SECRET = "Sub-Us3r-Pa55w0rd-s23"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        link = todo.pop()
        if link is None or id(link) in seen:
            continue
        seen.add(id(link))
        yield link
        todo += [link.__cause__, link.__context__]


def _texts(exc: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(exc))]
    for link in _chain(exc):
        texts += [str(link), repr(link), *(repr(a) for a in link.args)]
        if isinstance(link, APIError):
            texts += [link.message, link.url, repr(vars(link))]
    return texts


def _leaks(passwords: list[str], logs: LogCapture, texts: list[str]) -> list[str]:
    needles = set(passwords) | {p[:8] for p in passwords}
    return [text[:200] for text in [*logs.lines, *texts] if any(n in text for n in needles)]


async def _error_of(call: Awaitable[Any]) -> ProxyOrdersError:
    try:
        await call
    except ProxyOrdersError as exc:
        return exc
    raise AssertionError("the call succeeded")


async def test_no_sub_user_or_profile_password_leaks_against_the_emulator() -> None:
    texts: list[str] = []
    errors: list[ProxyOrdersError] = []
    async with Emulator(seed=23, token=TOKEN, traffic_gb={"standart": 20}, sub_users=5) as emu:
        with capture_logs() as logs:
            async with client_for(emu) as client:
                emu.faults.set("proxies.profile", fail_first=2, fail_with="truncate")
                profile = await client.residential.profile("standart")  # retried twice
                emu.faults.set("proxies.sub_users", fail_first=1, fail_with="truncate")
                users = [u async for u in client.sub_users.iter("standart", page_size=2)]
                created = await client.sub_users.create("standart", "scan", 1)
                await client.sub_users.reset_password(created.user_id, "standart")
                emu.faults.set("proxies.sub_user.get", fail_first=1, fail_with="truncate")
                fetched = await client.sub_users.get(created.user_id, "standart")
                emu.faults.set("proxies.sub_user.get", fail_first=3, fail_with="truncate")
                errors.append(await _error_of(client.sub_users.get(users[0].user_id, "standart")))
                emu.faults.set("proxies.sub_users", fail_first=3, fail_with="truncate")
                errors.append(await _error_of(client.sub_users.list("standart")))
                emu.faults.set("proxies.sub_user.create", fail_first=1, fail_with="truncate")
                errors.append(await _error_of(client.sub_users.create("standart", "cut", 1)))
        passwords = [
            profile.proxy_password,
            *(u.proxy_password for u in users),
            created.proxy_password,
            fetched.proxy_password,
        ]
        truncated = [entry for entry in emu.journal if entry.fault == "fail_first:truncate"]
    assert len(set(passwords)) == 8 and all(passwords)
    for shown in (profile, *users, created, fetched):
        texts += [repr(shown), str(shown)]
    for exc in errors:
        texts += _texts(exc)
    assert isinstance(errors[0], APIResponseValidationError) and errors[0].attempts == 3
    assert isinstance(errors[1], APIResponseValidationError)
    assert '"proxy_password":"***"' in errors[1].body  # the cut answer carried a password
    assert isinstance(errors[2], OutcomeUnknownError)
    assert len(truncated) == 11  # profile 2, list 1 + 3, get 1 + 3, create 1
    assert len(logs.retries()) >= 6
    assert not _leaks(passwords, logs, texts)
    record("S23", emulator_passwords=len(passwords), emulator_texts=len(texts) + len(logs.lines))


def _json(body: Any, status: int = 200) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response(body, status=status)

    return handler


def _text(
    text: str, status: int = 200, content_type: str = "application/json"
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=text, status=status, content_type=content_type)

    return handler


USER = {"first_name": "x", "proxy_password": SECRET, "data": 1, "data_spent": 0}
PROFILE = {"success": True, "data": 1, "data_remain": 1, "data_spent": 0}
HOSTILE: dict[str, tuple[str, str, Callable[..., Any], Callable[[ProxyOrdersClient], Any]]] = {
    "profile-wrong-type": (
        "GET",
        "/user/api/proxies/profile",
        _json({**PROFILE, "data": "lots", "proxy_password": SECRET}),
        lambda c: c.residential.profile("standart"),
    ),
    "profile-password-wrong-type": (
        "GET",
        "/user/api/proxies/profile",
        _json({**PROFILE, "proxy_password": [SECRET, {"password": SECRET}]}),
        lambda c: c.residential.profile("premium"),
    ),
    "profile-success-false": (
        "GET",
        "/user/api/proxies/profile",
        _json({**PROFILE, "success": False, "proxy_password": SECRET}),
        lambda c: c.residential.profile("standart"),
    ),
    "profile-cut-in-the-password": (
        "GET",
        "/user/api/proxies/profile",
        _text(json.dumps({**PROFILE, "proxy_password": SECRET})[:-8]),
        lambda c: c.residential.profile("standart"),
    ),
    "list-500-quoting-passwords": (
        "GET",
        "/user/api/proxies/sub-users",
        _json({"message": "boom", "data": [{**USER, "user_id": "u"}]}, status=500),
        lambda c: c.sub_users.list("standart"),
    ),
    "list-400-html": (
        "GET",
        "/user/api/proxies/sub-users",
        _text(f"<pre>{{'proxy_password': '{SECRET}'}}</pre>", 400, "text/html"),
        lambda c: c.sub_users.list("standart"),
    ),
    "list-502-form": (
        "GET",
        "/user/api/proxies/sub-users",
        _text(f"upstream said: user=u&proxy_password={SECRET}&x=1", 502, "text/plain"),
        lambda c: c.sub_users.list("standart"),
    ),
    "list-over-the-excerpt-size": (
        "GET",
        "/user/api/proxies/sub-users",
        _json({"success": True, "count": "many", "data": [{**USER, "user_id": "u"}] * 2000}),
        lambda c: c.sub_users.list("standart"),
    ),
    "get-two-users": (
        "GET",
        "/user/api/proxies/sub-user/u1",
        _json({"success": True, "data": [USER, USER]}),
        lambda c: c.sub_users.get("u1", "standart"),
    ),
    "create-wrong-shape": (
        "POST",
        "/user/api/proxies/sub-user",
        _json({"success": True, "data": [{**USER, "data": None}]}),
        lambda c: c.sub_users.create("standart", "n", 1),
    ),
    "create-cut-short": (
        "POST",
        "/user/api/proxies/sub-user",
        _text(json.dumps({"success": True, "data": [{**USER, "user_id": "u"}]})[:70]),
        lambda c: c.sub_users.create("standart", "n", 1),
    ),
    "active-proxies-wrong-type": (
        "GET",
        "/user/api/proxies/active",
        _json({"success": True, "data": [{"ip": "1.2.3.4", "password": SECRET, "http_port": "x"}]}),
        lambda c: c.proxies.active(1),
    ),
}


async def test_no_password_leaks_from_hostile_answers() -> None:
    texts: list[str] = []
    kinds: set[str] = set()
    routes = {(method, path): handler for method, path, handler, _ in HOSTILE.values()}
    with capture_logs() as logs:
        async with loopback_server(routes) as server:
            for method, path, handler, call in HOSTILE.values():
                server.routes = {(method, path): handler}  # one answer per case
                async with ProxyOrdersClient(
                    token=TOKEN, base_url=server.url, retry_policy=FAST
                ) as client:
                    exc = await _error_of(call(client))
                kinds.add(type(exc).__name__)
                texts += _texts(exc)
    assert {"APIResponseValidationError", "OutcomeUnknownError"} <= kinds
    assert {"InternalServerError", "BadRequestError"} <= kinds
    assert not _leaks([SECRET], logs, texts)
    record("S23", hostile_answers=len(HOSTILE), hostile_texts=len(texts) + len(logs.lines))
