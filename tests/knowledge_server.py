"""The action server's knowledge API (actions/knowledge_api.py) served from a thread of the test process, on a
knowledge base the tests already loaded: the staff pages' real HTTP round trips to it, without starting Rasa or
a second process that would load the model again (the whole stack is tests/conftest.py's `stack`)."""
from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.live import LiveKnowledgeBase
from knowledge.faq.book import FaqBook


@contextmanager
def knowledge_server(kb: KnowledgeBase, book: FaqBook, port: int) -> Iterator[str]:
    """Serves the knowledge API for `kb` and `book` on 127.0.0.1:`port`; yields its base URL."""
    from sanic import Sanic

    from actions.knowledge_api import routes

    live = LiveKnowledgeBase(kb.settings, load=lambda _: kb)  # never watched: this knowledge base throughout
    app = Sanic(f"knowledge_{uuid.uuid4().hex[:8]}")  # Sanic keeps apps by name: one of its own per server
    app.blueprint(routes(live, book))
    loop = asyncio.new_event_loop()
    started, failed = threading.Event(), []

    async def serve():
        try:
            server = await app.create_server("127.0.0.1", port, return_asyncio_server=True, access_log=False)
            await server.startup()
        except BaseException as exc:  # the port taken, say: the test says so rather than waiting
            failed.append(exc)
            started.set()
            return
        started.set()
        try:
            await server.serve_forever()
        finally:  # cancelled at the end of the `with`: let go of the port
            server.close()
            await server.wait_closed()

    task = loop.create_task(serve())

    def run() -> None:
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            pass
        finally:
            loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    started.wait(60)
    if failed:
        raise RuntimeError(f"the knowledge API could not listen on 127.0.0.1:{port}: {failed[0]}")
    url = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{url}/knowledge/status", timeout=30).status_code == 200
    try:
        yield url
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(30)
