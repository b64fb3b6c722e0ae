"""The gateway's side of the action server's knowledge API (actions/knowledge_api.py): the welcome suggestions,
a document for 查看原文, a host's briefing and the answers of a staff coverage run come from the process that
holds the knowledge base, so the gateway loads no model and follows each new index build with it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from knowledge.models import Answer

# The welcome message waits for its suggestions: a slow action server costs the chips, not the page.
SUGGESTIONS_TIMEOUT_S = 5.0
# A briefing is about a second of the action server's CPU; a busy one may take several.
BRIEFING_TIMEOUT_S = 60.0


class KnowledgeUnavailable(RuntimeError):
    """The action server did not answer (down, restarting, or overloaded): say so, do not fail."""


@dataclass(frozen=True)
class Briefing:
    content: bytes
    media_type: str


@dataclass(frozen=True)
class KnowledgeApi:
    url: str  # the action server's base URL

    async def _get(self, client: httpx.AsyncClient, path: str, timeout: float, **params) -> httpx.Response:
        try:
            reply = await client.get(f"{self.url}/knowledge/{path}", params=params, timeout=timeout)
        except httpx.HTTPError as exc:
            raise KnowledgeUnavailable(f"no answer from {self.url}/knowledge/{path} ({type(exc).__name__})") from exc
        if reply.status_code >= 500:
            raise KnowledgeUnavailable(f"{self.url}/knowledge/{path} answered {reply.status_code}")
        return reply

    async def suggestions(self, client: httpx.AsyncClient) -> list[str]:
        reply = await self._get(client, "suggestions", SUGGESTIONS_TIMEOUT_S)
        return [s for s in reply.json().get("suggestions", []) if isinstance(s, str)]

    async def document(self, client: httpx.AsyncClient, doc_id: str) -> dict | None:
        """The document of the index with this id; None when the index has none."""
        reply = await self._get(client, "document", 30.0, id=doc_id)
        return reply.json() if reply.status_code == 200 else None

    async def catalogue(self, client: httpx.AsyncClient) -> dict:
        """The serving build's documents (title, date, chunks, when indexed) and the files it left out."""
        reply = await self._get(client, "catalogue", 30.0)
        if reply.status_code != 200:
            raise KnowledgeUnavailable(f"{self.url}/knowledge/catalogue answered {reply.status_code}")
        return reply.json()

    async def briefing(self, client: httpx.AsyncClient, topic: str, form: str) -> Briefing:
        reply = await self._get(client, "briefing", BRIEFING_TIMEOUT_S, topic=topic, format=form)
        if reply.status_code != 200:
            raise KnowledgeUnavailable(f"{self.url}/knowledge/briefing refused {topic!r}: {reply.text[:200]}")
        return Briefing(reply.content, reply.headers.get("content-type", "text/html; charset=utf-8"))

    async def status(self, client: httpx.AsyncClient, timeout: float) -> dict:
        reply = await self._get(client, "status", timeout)
        if reply.status_code != 200:
            raise KnowledgeUnavailable(f"{self.url}/knowledge/status answered {reply.status_code}")
        return reply.json()

    @contextmanager
    def answering(self, k: int | None = None, timeout: float = 60.0) -> Iterator[tuple[Callable[[str], Answer], dict[str, str]]]:
        """For a coverage run (in a worker thread): a question -> Answer function, each question answered alone,
        and the titles of the index's documents by id. KnowledgeUnavailable when the action server is away."""
        with httpx.Client(timeout=timeout) as client:
            def ask(question: str) -> Answer:
                reply = client.post(f"{self.url}/knowledge/answer", json={"question": question, "k": k})
                reply.raise_for_status()
                return Answer.from_json(reply.json(), k)

            try:
                titles = client.get(f"{self.url}/knowledge/documents").raise_for_status().json()["documents"]
                yield ask, titles
            except httpx.HTTPError as exc:
                raise KnowledgeUnavailable(f"the action server at {self.url} did not answer ({type(exc).__name__})") from exc
