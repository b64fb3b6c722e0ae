"""The gateway's staff pages: upload a question list, get the FAQ coverage report (the `policybot coverage`
report, each question answered by the action server's knowledge API).

Mounted by the gateway with `app.include_router(router)`; reads `app.state.settings` and `app.state.knowledge`
(a KnowledgeApi).
Disabled (404) unless Settings.staff_token is set; otherwise guarded by bot.web_auth.TokenGate.
"""
from __future__ import annotations

import base64
import json
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from knowledge.evaluation.coverage import CoverageRun, run
from knowledge.evaluation.questions_file import SUFFIXES, QuestionsFileError, read_questions

from .api_input import BadInput, media_type, parse
from .api_schemas import LoginForm
from .coverage_report import REPORT_CSP, ReportMeta, render_html, results_csv, results_json
from .knowledge_client import KnowledgeApi, KnowledgeUnavailable
from .web_auth import TokenGate

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_QUESTIONS = 2000
# Answering takes ~30 ms a question: the cap keeps one upload to about a minute of the action server's CPU.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
COOKIE = "policybot_staff"
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")

router = APIRouter()
_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def _gate(request: Request) -> TokenGate:
    return TokenGate(request.app.state.settings.staff_token, COOKIE, "/staff")


def _page(page: str, heading: str, status: int = 200, error: str = "") -> HTMLResponse:
    html = _TEMPLATES.get_template("staff_page.html.j2").render(
        page=page, heading=heading, error=error, max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), max_questions=MAX_QUESTIONS)
    return HTMLResponse(html, status, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"})


def _not_found() -> Response:
    # A disabled staff area looks like no staff area at all.
    return Response("Not Found", 404, media_type="text/plain")


def _login(status: int = 401, error: str = "") -> HTMLResponse:
    return _page("login", "工作人员登录 Staff login", status, error)


@router.get("/staff", response_class=HTMLResponse)
def staff_home(request: Request) -> Response:
    gate = _gate(request)
    if not gate.enabled:
        return _not_found()
    if not gate.allows(request):
        return _login()
    return _page("upload", "FAQ 覆盖检查 FAQ coverage")


@router.post("/staff/login")
async def staff_login(request: Request) -> Response:
    gate = _gate(request)
    if not gate.enabled:
        return _not_found()
    if media_type(request)[0] not in FORMS:
        return _login(415, "请从登录页提交口令。Send the token from the login form.")
    form = await request.form(max_files=0, max_fields=2)
    try:
        login = parse(LoginForm, {k: v for k, v in form.items() if isinstance(v, str)})
    except BadInput:
        return _login(400, "只需要填写口令。Only the token is expected.")
    if not gate.matches(login.token):
        return _login(403, "口令不对。Wrong token.")
    response = RedirectResponse("/staff", status_code=303)
    gate.remember(response, request)
    return response


@router.post("/staff/logout")
def staff_logout(request: Request) -> Response:
    gate = _gate(request)
    if not gate.enabled:
        return _not_found()
    response = RedirectResponse("/staff", status_code=303)
    gate.forget(response)
    return response


@router.post("/staff/report")
async def staff_report(request: Request) -> Response:
    gate = _gate(request)
    if not gate.enabled:
        return _not_found()
    if not gate.allows(request):
        return _login()
    too_big = (f"文件太大：最大 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。请拆分问题清单后分批上传。"
               f" The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split the list.")
    # Refuse before reading the body when the client says how big it is; check again after reading.
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        return _upload_error(413, too_big)
    if media_type(request)[0] != "multipart/form-data":
        return _upload_error(415, "请用上传表单提交问题清单（multipart/form-data）。Upload the list with the form.")
    form = await request.form(max_files=1, max_fields=2)
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _upload_error(400, "请选择一个问题清单文件。Choose a question list file.")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _upload_error(413, too_big)
    name = Path(upload.filename).name
    try:
        questions = _read_upload(name, data)
    except QuestionsFileError as exc:
        return _upload_error(400, str(exc))
    if len(questions) > MAX_QUESTIONS:
        return _upload_error(413, f"{name}: {len(questions)} 个问题，超过上限 {MAX_QUESTIONS}：请拆分后分批上传。"
                                  f" More than {MAX_QUESTIONS} questions: split the list.")
    try:
        result = await run_in_threadpool(_coverage, request.app.state.knowledge, questions,
                                         request.app.state.settings.decline_below)
    except KnowledgeUnavailable:
        return _upload_error(503, "知识库暂时不可用（正在启动或重启，或索引尚未建立），请稍后再试。"
                                  " The knowledge base is not answering (starting or restarting): try again shortly.")
    meta = ReportMeta(name, "the action server's knowledge base")
    html = render_html(result, meta, _downloads(result, meta))
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP + "; frame-ancestors 'none'",
                                       "Cache-Control": "no-store"})


def _coverage(knowledge: KnowledgeApi, questions, decline_below: float) -> CoverageRun:
    with knowledge.answering() as (answer, titles):
        return run(questions, answer, decline_below, titles)


def _read_upload(name: str, data: bytes):
    """read_questions works on files; the upload is written under a fixed name with its (checked) extension."""
    suffix = Path(name).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="policybot-staff-") as folder:
        path = Path(folder) / f"upload{suffix if suffix in SUFFIXES else '.unsupported'}"
        path.write_bytes(data)
        return read_questions(path, name)


def _upload_error(status: int, message: str) -> HTMLResponse:
    return _page("upload", "FAQ 覆盖检查 FAQ coverage", status, message)


def _downloads(result: CoverageRun, meta: ReportMeta) -> dict[str, str]:
    """The result files inside the report as data: links, so the page stays self-contained and stateless."""
    as_json = json.dumps(results_json(result, meta), ensure_ascii=False).encode()
    return {"results.csv": "data:text/csv;charset=utf-8;base64," + base64.b64encode(results_csv(result)).decode(),
            "results.json": "data:application/json;charset=utf-8;base64," + base64.b64encode(as_json).decode()}
