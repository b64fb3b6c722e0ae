"""The staff coverage page: upload a question list, get the FAQ coverage report (the `policybot coverage`
report, each question answered by the action server's knowledge API)."""
from __future__ import annotations

import base64
import json
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from knowledge.evaluation.coverage import CoverageRun, run
from knowledge.evaluation.questions_file import SUFFIXES, QuestionsFileError, read_questions

from ..coverage_report import REPORT_CSP, ReportMeta, render_html, results_csv, results_json
from ..knowledge_client import KnowledgeApi, KnowledgeUnavailable
from .pages import Refused, audit, posted_form, render, require
from .uploads import checked_suffix_name, read_as_file

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_QUESTIONS = 2000
# Answering takes ~30 ms a question: the cap keeps one upload to about a minute of the action server's CPU.
HEADING = "FAQ 覆盖检查 FAQ coverage"

router = APIRouter()


def _page(request: Request, staff, status: int = 200, error: str = "") -> HTMLResponse:
    return render(request, "coverage.html.j2", HEADING, status, staff, error,
                  max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), max_questions=MAX_QUESTIONS)


@router.get("/staff", response_class=HTMLResponse)
def staff_home(request: Request) -> Response:
    return _page(request, require(request))


@router.post("/staff/report")
async def staff_report(request: Request) -> Response:
    staff = require(request)
    too_big = (f"文件太大：最大 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。请拆分问题清单后分批上传。"
               f" The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split the list.")
    # Refuse before reading the body when the client says how big it is; check again after reading.
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        return _page(request, staff, 413, too_big)
    staff, form = await posted_form(request, max_files=1, max_fields=1, multipart=True,
                                    page="coverage.html.j2", heading=HEADING)
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _page(request, staff, 400, "请选择一个问题清单文件。Choose a question list file.")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return _page(request, staff, 413, too_big)
    name = Path(upload.filename).name
    try:
        questions = _read_upload(name, data)
    except QuestionsFileError as exc:
        return _page(request, staff, 400, str(exc))
    if len(questions) > MAX_QUESTIONS:
        return _page(request, staff, 413, f"{name}: {len(questions)} 个问题，超过上限 {MAX_QUESTIONS}：请拆分后分批上传。"
                                          f" More than {MAX_QUESTIONS} questions: split the list.")
    try:
        result = await run_in_threadpool(_coverage, request.app.state.knowledge, questions,
                                         request.app.state.settings.decline_below)
    except KnowledgeUnavailable:
        return _page(request, staff, 503, "知识库暂时不可用（正在启动或重启，或索引尚未建立），请稍后再试。"
                                          " The knowledge base is not answering (starting or restarting): try again shortly.")
    await audit(request, staff, "coverage.run", name, {"questions": len(questions), "answered": result.summary.answered})
    meta = ReportMeta(name, "the action server's knowledge base")
    html = render_html(result, meta, _downloads(result, meta))
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP + "; frame-ancestors 'none'",
                                       "Cache-Control": "no-store"})


def _coverage(knowledge: KnowledgeApi, questions, decline_below: float) -> CoverageRun:
    with knowledge.answering() as (answer, titles):
        return run(questions, answer, decline_below, titles)


def _read_upload(name: str, data: bytes):
    return read_as_file(checked_suffix_name(name, SUFFIXES), data, lambda path: read_questions(path, name))


def _downloads(result: CoverageRun, meta: ReportMeta) -> dict[str, str]:
    """The result files inside the report as data: links, so the page stays self-contained and stateless."""
    as_json = json.dumps(results_json(result, meta), ensure_ascii=False).encode()
    return {"results.csv": "data:text/csv;charset=utf-8;base64," + base64.b64encode(results_csv(result)).decode(),
            "results.json": "data:application/json;charset=utf-8;base64," + base64.b64encode(as_json).decode()}


__all__ = ["router", "MAX_UPLOAD_BYTES", "Refused"]
