"""The knowledge API beside Rasa's actions, in the action server, the one process that holds the model and the
knowledge base: the gateway asks it for what the chat page, the host page and the staff pages show
(bot/knowledge_client.py), so that the gateway loads no knowledge base of its own.

GET  /knowledge/status                       {"build", "since", "load_s", "documents", "chunks", "error"}
GET  /knowledge/suggestions                  {"suggestions": [...]}: the welcome message's questions
GET  /knowledge/documents                    {"documents": {doc_id: title}}
GET  /knowledge/catalogue                    {"build", "built", "documents": [{doc_id, file, title, date, chunks,
                                             indexed}], "skipped": {file: why}}: the staff's document list
GET  /knowledge/document?id=DOC_ID           {"doc_id", "title", "date", "source", "text"}, or 404
POST /knowledge/answer {"question", "k"}     the answer in the `ask --json` shape (one question, no dialogue)
GET  /knowledge/briefing?topic=T&format=F    the interview briefing as html, md or docx

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

from knowledge.answer.answering import answer_question
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.live import LiveKnowledgeBase
from knowledge.answer.suggestions import welcome_suggestions
from knowledge.briefing.briefing import prepare_briefing
from knowledge.briefing.render import to_docx, to_html, to_markdown

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BRIEFING_FORMATS = ("html", "md", "docx")
MAX_QUESTION_CHARS = 2000  # as the REST channel: what the gateway sends is shorter still
MAX_TOPIC_CHARS = 100
T = TypeVar("T")


def _error(status: int, message: str) -> response.HTTPResponse:
    return response.json({"error": message}, status=status, ensure_ascii=False)


def _json(body) -> response.HTTPResponse:
    return response.json(body, ensure_ascii=False)


def routes(live: LiveKnowledgeBase) -> Blueprint:
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
        return _json((await on_current(lambda kb: answer_question(kb, question, k))).to_json())

    @bp.get("/briefing")
    async def briefing(request: Request):
        topic, form = (request.args.get("topic") or "").strip(), request.args.get("format") or "html"
        if not topic or len(topic) > MAX_TOPIC_CHARS:
            return _error(400, f"give the topic as ?topic= (at most {MAX_TOPIC_CHARS} characters)")
        if form not in BRIEFING_FORMATS:
            return _error(400, f"format {form!r} is not one of {', '.join(BRIEFING_FORMATS)}")
        return await on_current(lambda kb: _rendered(prepare_briefing(kb, topic), form))

    return bp


def _catalogue(kb: KnowledgeBase) -> dict:
    entries = kb.manifest.get("documents", {})
    docs = [{"doc_id": d.doc_id, "file": entries.get(d.doc_id, {}).get("file", d.doc_id), "title": d.meta.title,
             "date": d.meta.date, "chunks": len(kb.doc_chunks.get(d.doc_id, ())),
             "indexed": entries.get(d.doc_id, {}).get("indexed", "")} for d in kb.docs.values()]
    return {"build": kb.build, "built": kb.manifest.get("built", ""), "documents": docs,
            "skipped": kb.manifest.get("skipped", {})}


def _rendered(briefing, form: str) -> response.HTTPResponse:
    if form == "md":
        return response.text(to_markdown(briefing), content_type="text/markdown; charset=utf-8")
    if form == "docx":
        buffer = io.BytesIO()
        to_docx(briefing, buffer)
        return response.raw(buffer.getvalue(), content_type=DOCX)
    return response.html(to_html(briefing))
