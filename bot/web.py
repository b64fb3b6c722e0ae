"""The web gateway: the citizens' chat page and its API, relaying messages to Rasa's REST channel so that
the browser talks to one origin. Pages of other users (staff, hosts) are mounted as routers.

It holds no knowledge base: suggestions, documents, briefings and coverage answers come from the action server's
knowledge API (bot/knowledge_client.py), so no model is loaded here and each new index build is followed."""
from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from knowledge.config import Settings
from knowledge.text.script import in_script_of

from channels.apology import APOLOGY

from . import feedback, own_replies, rasa_relay
from .api_input import BadInput, describe, json_body
from .api_schemas import BAD_SESSION, ChatRequest, FeedbackRequest, session_id
from .body_limit import BodyLimit
from .client_address import ClientAddress, client_of, parse_headers, parse_networks
from .embed import EMBED_PATH, frame_ancestors, parse_origins
from .health import report as health_report
from .knowledge_client import KnowledgeApi, KnowledgeUnavailable
from .rasa_ring import RasaRing
from .stores import Postgres, Redis
from .web_host import router as host_pages
from .staff import documents as staff_documents
from .staff.coverage import MAX_UPLOAD_BYTES
from .staff.faq import MAX_UPLOAD_BYTES as MAX_FAQ_UPLOAD_BYTES
from .staff.pages import Refused
from .staff.reindex import Reindexer
from .staff.routes import router as staff_pages

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
UNAVAILABLE = "服务暂时不可用，请稍后再试"
NO_DOCUMENTS = "知识库暂时不可用，无法打开原文，请稍后再试。"
MAX_CITATIONS_KEPT = 10
# Scripts, styles and images only from this server; nothing inline, nothing from elsewhere.
CSP_SOURCES = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
               "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")
CSP = CSP_SOURCES + "; frame-ancestors 'none'"


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def rasa_urls(urls: str | list[str]) -> list[str]:
    """One Rasa server's URL, or several (a list, or comma-separated): conversations are spread over them."""
    listed = urls.split(",") if isinstance(urls, str) else urls
    return [u.strip().rstrip("/") for u in listed if u.strip()]


def stores_of(settings: Settings) -> tuple[Postgres | None, Redis | None]:
    """The tracker and lock stores the Rasa servers share, when configured (POLICYBOT_DB_HOST, POLICYBOT_REDIS_HOST)."""
    postgres = Postgres(settings.db_host, settings.db_user, settings.db_name) if settings.db_host else None
    redis = Redis(settings.redis_host, settings.redis_port, settings.redis_password) if settings.redis_host else None
    return postgres, redis


def create_app(settings: Settings, rasa_url: str | list[str], actions_url: str) -> FastAPI:
    ring = RasaRing([rasa_relay.Rasa(u, settings.rasa_token) for u in rasa_urls(rasa_url)])
    postgres, redis = stores_of(settings)
    shared = [store for store in (postgres, redis) if store is not None]
    stores_down: dict[str, str] = {}  # what watch_stores last found

    async def watch_stores(every: float = 1.0) -> None:
        """The stores the Rasa servers share, asked every second. While one is down the gateway apologises itself:
        Rasa would answer anyway, from an empty tracker (its FailSafeTrackerStore falls back to memory), out of
        the conversation's context and kept nowhere."""
        while True:
            for store in shared:
                problem = await run_in_threadpool(store.problem, 1.0)
                name = type(store).__name__
                if problem and name not in stores_down:
                    log.warning("%s: messages get the apology until it is back", problem)
                elif not problem and name in stores_down:
                    log.warning("%s is back", name)
                if problem:
                    stores_down[name] = problem
                else:
                    stores_down.pop(name, None)
            await asyncio.sleep(every)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.http = httpx.AsyncClient(timeout=120)
        watchers = [asyncio.create_task(ring.watch(app.state.http))] if len(ring.servers) > 1 else []
        watchers += [asyncio.create_task(watch_stores())] if shared else []
        yield
        for watcher in watchers:
            watcher.cancel()
        await app.state.http.aclose()

    app = FastAPI(title="policybot", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.ring = ring
    app.state.rasa_url, app.state.actions_url = ring.servers[0].url, actions_url.rstrip("/")
    app.state.knowledge = knowledge = KnowledgeApi(app.state.actions_url)
    app.state.reindexer = Reindexer(settings)  # staff uploads' index updates
    # In Redis when it is configured, so that every gateway worker and machine counts the same hits.
    app.state.limiter = MovingWindowRateLimiter(storage_from_string(redis.url()) if redis else MemoryStorage())
    app.state.client_address = ClientAddress(parse_networks(settings.trusted_proxies), parse_headers(settings.proxy_headers))
    per_session, per_address = parse(settings.session_rate_limit), parse(settings.address_rate_limit)
    app.state.login_limit = parse(settings.login_rate_limit)  # parsed here: a bad value stops the start, not a login
    widget_origins = parse_origins(settings.widget_origins)
    embed_csp = f"{CSP_SOURCES}; {frame_ancestors(widget_origins)}"
    replies_db = own_replies.db_path(settings)
    # Set by `policybot serve`: its supervisor's state, for /api/health to say why a part is down.
    supervisor_state = Path(os.environ["POLICYBOT_SUPERVISOR_STATE"]) if os.environ.get("POLICYBOT_SUPERVISOR_STATE") else None

    # Innermost first: the body cap runs inside the security headers, so that a 413 carries them too. The staff
    # upload has a larger cap of its own, checked again (with a page for the browser) by its route.
    app.add_middleware(BodyLimit, default_bytes=settings.max_body_bytes,
                       per_path={"/staff/report": MAX_UPLOAD_BYTES + 64 * 1024,
                                 "/staff/documents/upload": staff_documents.MAX_BODY_BYTES,
                                 "/staff/faq-import": MAX_FAQ_UPLOAD_BYTES + 64 * 1024})

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        # The embed page alone may be framed, by the configured sites only; frame-ancestors says which (X-Frame-
        # Options cannot name origins, and DENY beside it would refuse them all in older browsers).
        embedded = request.url.path == EMBED_PATH and bool(widget_origins)
        response.headers.setdefault("Content-Security-Policy", embed_csp if embedded else CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if not embedded:
            response.headers["X-Frame-Options"] = "DENY"
        return response

    # Every error of the API is {"error": …}: FastAPI's own ({"detail": …}, 422) included.
    @app.exception_handler(BadInput)
    async def bad_input(request: Request, exc: BadInput):
        return _error(exc.status, exc.message)

    @app.exception_handler(Refused)
    async def staff_refused(request: Request, exc: Refused):
        return exc.response

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, exc: RequestValidationError):
        # Locations are ("query", "session"): the parameter's name is what the reader knows.
        return _error(400, describe([{**e, "loc": tuple(e.get("loc", ()))[1:]} for e in exc.errors()]))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    def limited(request: Request, session: str) -> bool:
        address = client_of(request)
        try:
            return not (app.state.limiter.hit(per_address, "address", address)
                        and app.state.limiter.hit(per_session, "session", session))
        except Exception as exc:  # Redis is down: no limits meanwhile; /api/health says so, and Rasa apologises
            log.warning("rate limits not counted (%s: %s)", type(exc).__name__, exc)
            return False

    async def on_rasa(session: str, call, any_failure: bool = False):
        """`call(server)` on the conversation's own Rasa server, or, while that refuses connections, on the next
        one of the ring. A message that reached a server is never sent to another (it may have been handled);
        a read (any_failure) is tried on the next server whatever went wrong."""
        failed: rasa_relay.RasaUnavailable | None = None
        for server in ring.candidates(session):
            try:
                return await call(server)
            except rasa_relay.RasaUnavailable as exc:
                if isinstance(exc, rasa_relay.RasaRefused):
                    ring.mark_down(server, str(exc))
                elif not any_failure:
                    raise
                failed = exc
        raise failed

    async def conversation(session: str) -> list[dict]:
        """The tracker's messages and the gateway's own replies, in time order."""
        from_rasa = await on_rasa(session, lambda rasa: rasa_relay.history(app.state.http, rasa, session), any_failure=True)
        return own_replies.merged(from_rasa, await run_in_threadpool(own_replies.messages, replies_db, session))

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get(EMBED_PATH, include_in_schema=False)
    async def embed_page():
        """The same page; chat.js sees the path and takes the widget's title, colour and welcome from the query."""
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(staff_pages)
    app.include_router(host_pages)

    @app.get("/api/welcome")
    async def welcome():
        try:
            suggestions = await knowledge.suggestions(app.state.http)
        except KnowledgeUnavailable as exc:  # the chat works without chips; the banner says if answers do not
            log.warning("no welcome suggestions: %s", exc)
            suggestions = []
        return {"suggestions": suggestions, "max_chars": settings.max_message_chars}

    @app.post("/api/chat")
    async def chat(request: Request):
        body = await json_body(request, ChatRequest)
        text = body.message
        if len(text) > settings.max_message_chars:
            return _error(413, in_script_of(f"消息太长了：最多 {settings.max_message_chars} 个字，请精简后再发。", text))
        if limited(request, body.session):
            return _error(429, in_script_of("发送太频繁了，请稍等片刻再试。", text))
        turn = rasa_relay.new_turn()
        try:
            if stores_down:
                raise rasa_relay.RasaUnavailable("; ".join(stores_down.values()))
            messages = await on_rasa(body.session, lambda rasa: rasa_relay.send(app.state.http, rasa, body.session, text, turn))
        except rasa_relay.RasaUnavailable as exc:
            log.warning("%s", exc)
            # Answered here, so kept here: the history shows the question and this apology after a reload.
            kept = await run_in_threadpool(own_replies.apologise, replies_db, body.session, turn, text)
            return _error(503, APOLOGY, unavailable=True, messages=kept[1:])
        return {"messages": messages}

    @app.get("/api/history")
    async def history(session: str):
        try:
            session = session_id.validate_python(session)
        except ValidationError:
            return _error(400, BAD_SESSION)
        try:
            if stores_down:  # Rasa would read an empty tracker
                raise rasa_relay.RasaUnavailable("; ".join(stores_down.values()))
            return {"messages": await conversation(session)}
        except rasa_relay.RasaUnavailable as exc:
            log.warning("%s", exc)
            return _error(503, UNAVAILABLE, unavailable=True)

    @app.get("/api/health")
    async def health():
        body, status = await health_report(app.state.http, [s.url for s in ring.servers], knowledge, supervisor_state,
                                           postgres, redis)
        return JSONResponse(body, status_code=status)

    @app.get("/api/document")
    async def document(id: str):
        try:
            doc = await knowledge.document(app.state.http, id)
        except KnowledgeUnavailable as exc:
            log.warning("no document view: %s", exc)
            return _error(503, NO_DOCUMENTS, unavailable=True)
        if doc is None:
            return _error(404, "没有这份文件。")
        return {k: doc.get(k) for k in ("doc_id", "title", "date", "source", "text")}

    @app.post("/api/feedback")
    async def give_feedback(request: Request):
        body = await json_body(request, FeedbackRequest)
        if len(body.comment) > settings.max_message_chars:
            return _error(413, f"意见太长了：最多 {settings.max_message_chars} 个字。")
        if limited(request, body.session):
            return _error(429, "发送太频繁了，请稍等片刻再试。")
        try:
            found = rasa_relay.find(await conversation(body.session), body.message_id)
        except rasa_relay.RasaUnavailable as exc:
            log.warning("%s", exc)
            return _error(503, UNAVAILABLE, unavailable=True)
        if found is None:
            return _error(404, "这个会话里没有这条回答：请刷新页面后再评价。")
        question, message = found
        custom = message["custom"] or {}
        citations = [c for c in custom.get("citations") or [] if isinstance(c, dict)][:MAX_CITATIONS_KEPT]
        row = await run_in_threadpool(
            feedback.record, feedback.db_path(settings), body.session, body.rating, body.comment, question,
            message["text"] or str(custom.get("answer") or ""), citations)
        return {"id": row}

    return app


def app_from_environment() -> FastAPI:
    """The app of one of several gateway worker processes (uvicorn's factory): its settings, Rasa servers and action
    server from the environment `run` sets."""
    from knowledge.config import load_settings

    return create_app(load_settings(), os.environ["POLICYBOT_GATEWAY_RASA_URLS"], os.environ["POLICYBOT_GATEWAY_ACTIONS_URL"])


def run(settings: Settings, rasa_url: str, actions_url: str, workers: int = 1) -> None:
    import uvicorn

    # no websockets here; rasa-sdk pins an old websockets that uvicorn cannot use
    if workers > 1:  # worker processes import the app themselves; they share rate limits through Redis
        os.environ.update({**settings.to_env(secrets=True), "POLICYBOT_GATEWAY_RASA_URLS": ",".join(rasa_urls(rasa_url)),
                           "POLICYBOT_GATEWAY_ACTIONS_URL": actions_url})
        uvicorn.run("bot.web:app_from_environment", factory=True, workers=workers, host=settings.web_host,
                    port=settings.web_port, log_level="warning", ws="none")
    else:
        uvicorn.run(create_app(settings, rasa_url, actions_url), host=settings.web_host, port=settings.web_port,
                    log_level="warning", ws="none")
