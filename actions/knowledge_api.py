"""The knowledge API beside Rasa's actions, in the action server, the one process that holds the model and the
knowledge base: the gateway asks it for what the chat page, the host page and the staff pages show
(bot/knowledge_client.py), so that the gateway loads no knowledge base of its own.

GET  /knowledge/status                       {"build", "since", "load_s", "documents", "chunks", "error"}
GET  /knowledge/suggestions                  {"suggestions": [...]}: the welcome message's questions
GET  /knowledge/documents                    {"documents": {doc_id: title}}
GET  /knowledge/catalogue                    {"build", "built", "documents": [{doc_id, file, title, date, chunks,
                                             indexed}], "skipped": {file: why}}: the staff's document list
GET  /knowledge/document?id=DOC_ID           {"doc_id", "title", "date", "source", "text"}, or 404
POST /knowledge/answer {"question", "k"}     the answer in the `ask --json` shape (one question, no dialogue;
                                             the curated FAQ answer first when the question matches one)
GET  /knowledge/briefing?topic=T&format=F    the interview briefing as html, md or docx
GET  /knowledge/faq?q=TEXT&limit=N           {"entries": [...], "total"}: curated FAQ entries, newest first
GET  /knowledge/faq/ID                       {"entry": {...}}, or 404
POST /knowledge/faq {"entries": [draft…]}    adds (or, same question, updates) entries: {"added", "updated",
                                             "unchanged", "ids"}; 400 naming the entry that cannot be one
POST /knowledge/faq/ID {draft}               replaces an entry's fields: {"entry"}; 404, 409 (another entry has
                                             that question)
POST /knowledge/faq/ID/enabled {"enabled"}   disables or enables an entry: {"entry"}
(a draft: {"question", "answer", "source", "dept", "valid_until", "enabled"}; the last four optional)

Every request is answered from the knowledge base serving when it arrived (LiveKnowledgeBase.current()), in
a worker thread, so that the actions on the event loop are not held up. The server listens on 127.0.0.1 only.
"""
from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import TypeVar

from sanic import Blueprint, response
from sanic.request import Request

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.live import LiveKnowledgeBase
from knowledge.answer.suggestions import welcome_suggestions
from knowledge.faq.answering import answer_with_faq
from knowledge.faq.book import FaqBook
from knowledge.faq.entry import Draft, normal_day
from knowledge.faq.store import DuplicateQuestion
from knowledge.briefing.briefing import prepare_briefing
from knowledge.briefing.render import to_docx, to_html, to_markdown
from knowledge.index.store import indexed_at

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BRIEFING_FORMATS = ("html", "md", "docx")
MAX_QUESTION_CHARS = 2000  # as the REST channel: what the gateway sends is shorter still
MAX_TOPIC_CHARS = 100
MAX_FAQ_BATCH = 5000  # entries in one POST: an import of the whole Taipei FAQ fits
T = TypeVar("T")


def _error(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message}, status=status, ensure_ascii=False)


def _json(body) -> response.HTTPResponse:
    return response.json(body, ensure_ascii=False)


def routes(live: LiveKnowledgeBase, faq: FaqBook | None = None) -> Blueprint:
    bp = Blueprint("knowledge", url_prefix="/knowledge")

    async def on_current(work: Callable[[KnowledgeBase], T]) -> T:
        kb = live.current()  # one knowledge base for the whole request, even if another is swapped in meanwhile
        return await asyncio.get_running_loop().run_in_executor(None, work, kb)

    @bp.get("/status")
    async def status(_: Request):
        kb, loaded = live.current(), live.loaded
        return _json({"build": kb.build, "since": loaded.since, "load_s": loaded.load_s, "documents": len(kb.docs),
                      "chunks": len(kb.chunks), "error": live.error})

    @bp.get("/suggestions")
    async def suggestions(_: Request):
        return _json({"suggestions": await on_current(welcome_suggestions)})

    @bp.get("/documents")
    async def documents(_: Request):
        return _json({"documents": {d.doc_id: d.meta.title for d in live.current().docs.values()}})

    @bp.get("/catalogue")
    async def catalogue(_: Request):
        return _json(_catalogue(live.current()))

    @bp.get("/document")
    async def document(request: Request):
        doc_id = request.args.get("id")
        # Only documents of the index are served, looked up by id: a path never reaches the file system.
        doc = live.current().docs.get(doc_id) if doc_id else None
        if doc is None:
            return _error(404, f"no document {doc_id!r} in the index" if doc_id else "give the document's id as ?id=")
        return _json({"doc_id": doc.doc_id, "title": doc.meta.title, "date": doc.meta.date, "source": doc.meta.source,
                      "text": doc.original})

    @bp.post("/answer")
    async def answer(request: Request):
        body = request.json if request.body else None
        question, k = (body.get("question"), body.get("k")) if isinstance(body, dict) else (None, None)
        if not isinstance(question, str) or len(question) > MAX_QUESTION_CHARS:
            return _error(400, f"send {{\"question\": text of at most {MAX_QUESTION_CHARS} characters}}")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
            return _error(400, "k, when given, is the most citations wanted: a whole number of at least 1")
        return _json((await on_current(lambda kb: answer_with_faq(kb, faq, question, k))).to_json())

    @bp.get("/briefing")
    async def briefing(request: Request):
        topic, form = (request.args.get("topic") or "").strip(), request.args.get("format") or "html"
        if not topic or len(topic) > MAX_TOPIC_CHARS:
            return _error(400, f"give the topic as ?topic= (at most {MAX_TOPIC_CHARS} characters)")
        if form not in BRIEFING_FORMATS:
            return _error(400, f"format {form!r} is not one of {', '.join(BRIEFING_FORMATS)}")
        return await on_current(lambda kb: _rendered(prepare_briefing(kb, topic), form))

    if faq is not None:
        _faq_routes(bp, faq)
    return bp


def _catalogue(kb: KnowledgeBase) -> dict:
    entries = kb.manifest.get("documents", {})
    docs = [{"doc_id": d.doc_id, "file": entries.get(d.doc_id, {}).get("file", d.doc_id), "title": d.meta.title,
             "date": d.meta.date, "chunks": len(kb.doc_chunks.get(d.doc_id, ())),
             "indexed": indexed_at(kb.settings.index_dir, kb.build, entries.get(d.doc_id, {}))}
            for d in kb.docs.values()]
    return {"build": kb.build, "built": kb.manifest.get("built", ""), "documents": docs,
            "skipped": kb.manifest.get("skipped", {})}


def _faq_routes(bp: Blueprint, faq: FaqBook) -> None:
    async def off_loop(work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(None, work)

    @bp.get("/faq")
    async def faq_list(request: Request):
        text = (request.args.get("q") or "")[:100]
        try:
            limit = max(1, min(int(request.args.get("limit") or 200), 100_000))
        except ValueError:
            return _error(400, "limit is a whole number")
        entries = await off_loop(lambda: faq.store.search(text, limit))
        total = await off_loop(lambda: len(faq.store.entries()))
        return _json({"entries": [e.to_json() for e in entries], "total": total})

    @bp.get("/faq/<entry_id:int>")
    async def faq_get(_: Request, entry_id: int):
        entry = await off_loop(lambda: faq.store.get(entry_id))
        return _json({"entry": entry.to_json()}) if entry else _error(404, f"no FAQ entry {entry_id}")

    @bp.post("/faq")
    async def faq_add(request: Request):
        body = request.json if request.body else None
        rows = body.get("entries") if isinstance(body, dict) else None
        if not isinstance(rows, list) or not rows or len(rows) > MAX_FAQ_BATCH:
            return _error(400, f'send {{"entries": [{{"question", "answer", …}}, …]}} with 1 to {MAX_FAQ_BATCH} entries')
        drafts = []
        for n, row in enumerate(rows, start=1):
            draft, problem = _draft(row)
            if problem:
                return _error(400, f"entry {n}: {problem}")
            drafts.append(draft)
        return _json((await off_loop(lambda: faq.save(drafts))).to_json())

    @bp.post("/faq/<entry_id:int>")
    async def faq_edit(request: Request, entry_id: int):
        draft, problem = _draft(request.json if request.body else None)
        if problem:
            return _error(400, problem)
        try:
            entry = await off_loop(lambda: faq.edit(entry_id, draft))
        except DuplicateQuestion as exc:
            return _error(409, str(exc))
        return _json({"entry": entry.to_json()}) if entry else _error(404, f"no FAQ entry {entry_id}")

    @bp.post("/faq/<entry_id:int>/enabled")
    async def faq_enabled(request: Request, entry_id: int):
        body = request.json if request.body else None
        enabled = body.get("enabled") if isinstance(body, dict) else None
        if not isinstance(enabled, bool):
            return _error(400, 'send {"enabled": true} or {"enabled": false}')
        entry = await off_loop(lambda: faq.set_enabled(entry_id, enabled))
        return _json({"entry": entry.to_json()}) if entry else _error(404, f"no FAQ entry {entry_id}")


def _draft(row) -> tuple[Draft | None, str]:
    if not isinstance(row, dict):
        return None, 'an entry is an object {"question", "answer", "source", "dept", "valid_until", "enabled"}'
    texts = {k: row.get(k, "") for k in ("question", "answer", "source", "dept", "valid_until")}
    if any(not isinstance(v, str) for v in texts.values()) or not isinstance(row.get("enabled", True), bool):
        return None, "question, answer, source, dept and valid_until are text, enabled true or false"
    draft = Draft(texts["question"], texts["answer"], texts["source"], texts["dept"], normal_day(texts["valid_until"]),
                  row.get("enabled", True)).cleaned()
    problem = draft.problem()
    return (None, problem) if problem else (draft, "")


def _rendered(briefing, form: str) -> response.HTTPResponse:
    if form == "md":
        return response.text(to_markdown(briefing), content_type="text/markdown; charset=utf-8")
    if form == "docx":
        buffer = io.BytesIO()
        to_docx(briefing, buffer)
        return response.raw(buffer.getvalue(), content_type=DOCX)
    return response.html(to_html(briefing))
