"""The web gateway: the citizens' chat page and its API, relaying messages to Rasa's REST channel so that
the browser talks to one origin. Pages of other users (staff, hosts) are mounted as routers."""
from __future__ import annotations

import logging
import os
import re
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from knowledge.config import Settings
from knowledge.script import in_script_of

from . import feedback, rasa_relay
from .health import report as health_report
from .web_host import router as host_pages
from .web_staff import router as staff_pages

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
_SESSION = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
UNAVAILABLE = "服务暂时不可用，请稍后再试"
# Scripts, styles and images only from this server; nothing inline, nothing from elsewhere.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _load_kb(settings: Settings):
    from knowledge.search import KnowledgeBase
    from knowledge.store import IndexUnavailable

    try:
        return KnowledgeBase.load(settings)
    except IndexUnavailable as exc:
        log.error("no knowledge base for the document view and suggestions: %s", exc)
        return None


def create_app(settings: Settings, rasa_url: str, actions_url: str, kb=None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient(timeout=120)
        if app.state.kb is None:
            app.state.kb = await run_in_threadpool(_load_kb, settings)
        if app.state.kb is not None:  # before the first visitor, who would otherwise wait for them
            from knowledge.suggestions import suggest_questions

            app.state.suggestions = await run_in_threadpool(suggest_questions, app.state.kb, 4)
        yield
        await app.state.http.aclose()

    app = FastAPI(title="policybot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings, app.state.kb = settings, kb
    app.state.rasa_url, app.state.actions_url = rasa_url.rstrip("/"), actions_url.rstrip("/")
    app.state.suggestions = []
    app.state.limiter = MovingWindowRateLimiter(MemoryStorage())
    per_session, per_address = parse(settings.session_rate_limit), parse(settings.address_rate_limit)
    # Set by `policybot serve`: its supervisor's state, for /api/health to say why a part is down.
    supervisor_state = Path(os.environ["POLICYBOT_SUPERVISOR_STATE"]) if os.environ.get("POLICYBOT_SUPERVISOR_STATE") else None

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def limited(request: Request, session: str) -> bool:
        address = request.client.host if request.client else "unknown"
        return not (app.state.limiter.hit(per_address, "address", address)
                    and app.state.limiter.hit(per_session, "session", session))

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(staff_pages)
    app.include_router(host_pages)

    @app.get("/api/welcome")
    async def welcome():
        return {"suggestions": app.state.suggestions or [], "max_chars": settings.max_message_chars}

    @app.post("/api/chat")
    async def chat(request: Request):
        body = await _json(request)
        session, text = str(body.get("session", "")), str(body.get("message", "")).strip()
        if not _SESSION.match(session):
            return _error(400, "会话编号无效，请刷新页面。")
        if not text:
            return _error(400, "请输入问题。")
        if len(text) > settings.max_message_chars:
            return _error(413, in_script_of(f"消息太长了：最多 {settings.max_message_chars} 个字，请精简后再发。", text))
        if limited(request, session):
            return _error(429, in_script_of("发送太频繁了，请稍等片刻再试。", text))
        try:
            messages = await rasa_relay.send(app.state.http, app.state.rasa_url, session, text)
        except rasa_relay.RasaUnavailable as exc:
            log.warning("%s", exc)
            return _error(503, UNAVAILABLE, unavailable=True)
        return {"messages": messages}

    @app.get("/api/history")
    async def history(session: str):
        if not _SESSION.match(session):
            return _error(400, "会话编号无效，请刷新页面。")
        try:
            return {"messages": await rasa_relay.history(app.state.http, app.state.rasa_url, session)}
        except rasa_relay.RasaUnavailable as exc:
            log.warning("%s", exc)
            return _error(503, UNAVAILABLE, unavailable=True)

    @app.get("/api/health")
    async def health():
        body, status = await health_report(app.state.http, app.state.rasa_url, app.state.actions_url,
                                           app.state.kb is not None, supervisor_state)
        return JSONResponse(body, status_code=status)

    @app.get("/api/document")
    async def document(id: str):
        kb = app.state.kb
        # Only documents of the index are served, looked up by id: a path never reaches the file system.
        doc = kb.docs.get(id) if kb is not None else None
        if doc is None:
            return _error(404, "没有这份文件。")
        return {"doc_id": doc.doc_id, "title": doc.meta.title, "date": doc.meta.date, "source": doc.meta.source,
                "text": doc.original}

    @app.post("/api/feedback")
    async def give_feedback(request: Request):
        body = await _json(request)
        session, rating = str(body.get("session", "")), body.get("rating")
        comment = str(body.get("comment") or "")[: settings.max_message_chars]
        if not _SESSION.match(session) or rating not in ("up", "down"):
            return _error(400, "反馈格式不对：需要会话编号和 up 或 down。")
        if limited(request, session):
            return _error(429, "发送太频繁了，请稍等片刻再试。")
        citations = body.get("citations") if isinstance(body.get("citations"), list) else []
        row = await run_in_threadpool(
            feedback.record, feedback.db_path(settings), session, rating, comment,
            str(body.get("question") or "")[:2000], str(body.get("answer") or "")[:5000], citations[:10])
        return {"id": row}

    return app


async def _json(request: Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def run(settings: Settings, rasa_url: str, actions_url: str) -> None:
    import uvicorn

    uvicorn.run(create_app(settings, rasa_url, actions_url), host=settings.web_host, port=settings.web_port,
                log_level="warning", ws="none")  # no websockets here; rasa-sdk pins an old websockets that uvicorn cannot use
