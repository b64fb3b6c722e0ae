"""The front of several action servers: Rasa (its action endpoint) and the gateway (the knowledge API) talk to
one address, and each request goes to the least busy action server that is up (fewest requests in flight,
round robin among equals).

A request that could not be delivered (connection refused: the server is down or restarting) is sent to the
next server, since no action ran; one that was delivered and then failed is not sent again (an action may have
run), and its error goes back to Rasa, which apologises. A server that refused a connection is left out until
its /health answers again (checked every second), so a restarting server gets no traffic while it loads.

Written here rather than taken from nginx or HAProxy: it is some eighty lines in the process tree policybot
already supervises, with the same health checks, and needs nothing installed."""
from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

log = logging.getLogger("policybot.action_front")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "content-length"}


@dataclass
class Backend:
    url: str
    in_flight: int = 0
    up: bool = True


class Pool:
    def __init__(self, urls: list[str]) -> None:
        self.backends = [Backend(u.rstrip("/")) for u in urls]
        self._turn = itertools.count()

    def order(self) -> list[Backend]:
        """The servers that are up, least busy first (round robin among equals), then the ones that are down."""
        start = next(self._turn) % len(self.backends)
        rotated = self.backends[start:] + self.backends[:start]
        return sorted(rotated, key=lambda b: (not b.up, b.in_flight))


def create_app(urls: list[str], timeout: float = 120.0) -> Starlette:
    pool = Pool(urls)

    async def watch_down(client: httpx.AsyncClient) -> None:
        while True:
            await asyncio.sleep(1.0)
            for b in pool.backends:
                if not b.up:
                    try:
                        b.up = (await client.get(f"{b.url}/health", timeout=2.0)).status_code == 200
                    except httpx.HTTPError:
                        pass
                    if b.up:
                        log.warning("action server %s is back", b.url)

    @asynccontextmanager
    async def lifespan(app):
        app.state.client = client = httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_connections=200))
        watcher = asyncio.create_task(watch_down(client))
        yield
        watcher.cancel()
        await client.aclose()

    async def relay(request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        for backend in pool.order():
            backend.in_flight += 1
            try:
                reply = await request.app.state.client.request(request.method, backend.url + path, content=body,
                                                               headers=headers)
            except httpx.ConnectError:
                if backend.up:
                    log.warning("action server %s refused a connection: left out until its /health answers", backend.url)
                backend.up = False
                continue  # not delivered: the next one may answer it
            except httpx.HTTPError as exc:
                return JSONResponse({"error": f"action server {backend.url}: {type(exc).__name__}"}, status_code=502)
            finally:
                backend.in_flight -= 1
            return Response(reply.content, status_code=reply.status_code,
                            headers={k: v for k, v in reply.headers.items() if k.lower() not in HOP_BY_HOP
                                     and k.lower() != "content-encoding"})
        return JSONResponse({"error": "no action server answers: " + ", ".join(b.url for b in pool.backends)},
                            status_code=503)

    app = Starlette(routes=[Route("/{path:path}", relay, methods=["GET", "POST", "PUT", "DELETE"])], lifespan=lifespan)
    app.state.pool = pool
    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="least-busy front of several action servers")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1", help="where the front listens (default loopback)")
    parser.add_argument("--backend", action="append", required=True,
                        help="an action server's URL (repeat, or several comma-separated)")
    args = parser.parse_args()
    backends = [u.strip() for value in args.backend for u in value.split(",") if u.strip()]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    uvicorn.run(create_app(backends), host=args.host, port=args.port, log_level="warning", ws="none")


if __name__ == "__main__":
    main()
