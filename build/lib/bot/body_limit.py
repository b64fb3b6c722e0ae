"""A cap on request bodies, enforced before a body is read whole: a declared Content-Length over the cap is
refused at once, and a body sent without one (chunked) is counted while it streams in and refused as soon as
it passes the cap. Either way the answer is 413 with {"error": …}; the endpoint never sees the body."""
from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, default_bytes: int, per_path: dict[str, int] | None = None) -> None:
        self.app, self.default_bytes, self.per_path = app, default_bytes, per_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.per_path.get(scope["path"], self.default_bytes)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            await _refuse(send, cap)
            return
        seen, started = 0, False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:  # otherwise the server closes the connection, which is all that is left to do
                await _refuse(send, cap)


async def _refuse(send: Send, cap: int) -> None:
    size = f"{cap // 1024} KB" if cap >= 1024 else f"{cap} bytes"
    body = json.dumps({"error": f"请求太大：最多 {size}。The request body is over {cap} bytes."},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
