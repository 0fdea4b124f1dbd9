"""The production server's front: whole request bodies first, then Django in a thread pool.

A threaded WSGI server (gunicorn's gthread) gives each connection a thread while it reads the
request body, so ten clients sending a body one byte a second hold ten threads and every other
visitor waits (issue 14's "slow clients"). Here an ASGI server (uvicorn, in gunicorn's
``uvicorn_worker.UvicornWorker``) reads every connection on its event loop, and
``BufferedBodies`` collects a request's whole body there, bounded in size and time, before
the request is handed to Django (through a2wsgi's thread pool, so DynaLab's views run exactly
as under any WSGI server, several at once). A slow client costs a coroutine and its buffer,
never a thread.

A body over ``max_body_bytes`` answers 413 at once (a Content-Length that says so is refused
before anything is read); a body still incomplete after ``body_seconds`` answers 408.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: How long a client may take to send a whole body (a 1 MB body at 20 KB/s).
BODY_SECONDS = 60.0


class BufferedBodies:
    """ASGI middleware: read each HTTP request's body completely before calling ``app``."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, body_seconds: float = BODY_SECONDS
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_seconds = body_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _answer(send, 413, b"Request body too large.\n")
            return
        try:
            body = await asyncio.wait_for(self._read_body(receive), self.body_seconds)
        except TimeoutError:
            await _answer(send, 408, b"The request body did not arrive in time.\n")
            return
        except _TooLarge:
            await _answer(send, 413, b"Request body too large.\n")
            return
        except _Disconnected:
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read_body(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise _TooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


class _TooLarge(Exception):
    pass


class _Disconnected(Exception):
    pass


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(text)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text})
