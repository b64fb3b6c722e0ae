"""The gateway's side of the action server's knowledge API (actions/knowledge_api.py): the welcome suggestions,
a document for 查看原文, a host's briefing and the answers of a staff coverage run come from the process that
holds the knowledge base, so the gateway loads no model and follows each new index build with it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from knowledge.faq.entry import Draft, Entry
from knowledge.models import Answer

# The welcome message waits for its suggestions: a slow action server costs the chips, not the page.
SUGGESTIONS_TIMEOUT_S = 5.0
# A briefing is about a second of the action server's CPU; a busy one may take several.
BRIEFING_TIMEOUT_S = 60.0
# Importing embeds every question: about 1,000 a minute on 2 busy cores.
FAQ_WRITE_TIMEOUT_S = 600.0


class KnowledgeUnavailable(RuntimeError):
    """The action server did not answer (down, restarting, or overloaded): say so, do not fail."""


class FaqRefused(ValueError):
    """The action server refused an FAQ change (an entry that cannot be one, a question another entry has, no
    such entry); str() says why, for staff."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Briefing:
    content: bytes
    media_type: str


@dataclass(frozen=True)
class KnowledgeApi:
    url: str  # the action server's base URL

    async def _request(self, client: httpx.AsyncClient, method: str, path: str, timeout: float,
                       **kwargs) -> httpx.Response:
        """The reply to one request; KnowledgeUnavailable when there is none or it is a server error."""
        try:
            reply = await client.request(method, f"{self.url}/knowledge/{path}", timeout=timeout, **kwargs)
        except httpx.HTTPError as exc:
            raise KnowledgeUnavailable(f"no answer from {self.url}/knowledge/{path} ({type(exc).__name__})") from exc
        if reply.status_code >= 500:
            raise KnowledgeUnavailable(f"{self.url}/knowledge/{path} answered {reply.status_code}")
        return reply

    async def _get(self, client: httpx.AsyncClient, path: str, timeout: float, **params) -> httpx.Response:
        return await self._request(client, "GET", path, timeout, params=params)

    async def _post(self, client: httpx.AsyncClient, path: str, body: dict, timeout: float) -> dict:
        reply = await self._request(client, "POST", path, timeout, json=body)
        if reply.status_code != 200:
            raise FaqRefused(_error_of(reply), reply.status_code)
        return reply.json()

    async def faq_entries(self, client: httpx.AsyncClient, text: str = "", limit: int = 200) -> tuple[list[Entry], int]:
        """Curated FAQ entries holding `text` (all when empty), newest first, and how many there are in all."""
        reply = await self._get(client, "faq", 60.0, q=text, limit=limit)
        body = reply.json()
        return [Entry.from_json(e) for e in body.get("entries", [])], int(body.get("total", 0))

    async def faq_entry(self, client: httpx.AsyncClient, entry_id: int) -> Entry | None:
        reply = await self._get(client, f"faq/{entry_id}", 30.0)
        return Entry.from_json(reply.json()["entry"]) if reply.status_code == 200 else None

    async def save_faq(self, client: httpx.AsyncClient, drafts: list[Draft]) -> dict:
        """Adds the entries (an entry with the same question is updated instead): {"added", "updated",
        "unchanged", "ids"}. FaqRefused names the entry that cannot be one."""
        return await self._post(client, "faq", {"entries": [_draft_json(d) for d in drafts]}, FAQ_WRITE_TIMEOUT_S)

    async def add_faq_entry(self, client: httpx.AsyncClient, question: str, answer: str, source: str = "",
                            dept: str = "", valid_until: str = "") -> int:
        """One curated entry, served from the next question on (the feedback review promotes a corrected answer
        with it); returns its id. An entry with the same question (after normalisation) gets this answer."""
        saved = await self.save_faq(client, [Draft(question, answer, source, dept, valid_until)])
        return int(saved["ids"][0])

    async def edit_faq(self, client: httpx.AsyncClient, entry_id: int, draft: Draft) -> Entry:
        return Entry.from_json((await self._post(client, f"faq/{entry_id}", _draft_json(draft), 120.0))["entry"])

    async def set_faq_enabled(self, client: httpx.AsyncClient, entry_id: int, enabled: bool) -> Entry:
        body = await self._post(client, f"faq/{entry_id}/enabled", {"enabled": enabled}, 30.0)
        return Entry.from_json(body["entry"])

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


def _draft_json(d: Draft) -> dict:
    return {"question": d.question, "answer": d.answer, "source": d.source, "dept": d.dept,
            "valid_until": d.valid_until, "enabled": d.enabled}


def _error_of(reply: httpx.Response) -> str:
    try:
        return str(reply.json().get("error") or reply.text[:300])
    except ValueError:
        return reply.text[:300]
