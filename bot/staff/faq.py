"""The staff FAQ page (/staff/faq): the curated answers the bot gives first when a question matches one. List
and search them, write one, edit, disable or enable one, import a file, export them all. The entries live with
the action server (knowledge/faq): each change goes through its knowledge API and is served from the next
question on; each is written to the audit log."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from knowledge.faq.entry import Draft, normal_day
from knowledge.faq.files import SUFFIXES, FaqFileError, read_faq

from ..faq_export import FORMATS, export_bytes
from ..knowledge_client import FaqRefused, KnowledgeUnavailable
from .pages import audit, posted_form, render, require
from .uploads import checked_suffix_name, read_as_file

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
HEADING = "常见问题 Curated FAQ"
EDIT_HEADING = "编辑常见问题 Edit FAQ entry"
UNAVAILABLE = ("知识库暂时不可用（正在启动或重启），请稍后再试。"
               " The knowledge base is not answering (starting or restarting): try again shortly.")
# What a redirect after a change says: fixed texts chosen by a code, so nothing of the URL is shown as typed.
NOTES = {"added": "已保存。Saved.", "edited": "已修改。Changed.", "disabled": "已停用：不再作答。Disabled: no longer served.",
         "enabled": "已启用。Enabled.", "imported": "已导入。Imported."}
FIELDS = ("question", "answer", "source", "dept", "valid_until")

router = APIRouter()


async def _list_page(request: Request, staff, status: int = 200, error: str = "", note: str = "",
                     q: str = "", draft: Draft | None = None) -> HTMLResponse:
    try:
        entries, total = await request.app.state.knowledge.faq_entries(request.app.state.http, q, 500)
    except KnowledgeUnavailable:
        entries, total, error, status = [], 0, error or UNAVAILABLE, 503 if status == 200 else status
    today = date.today()
    return render(request, "faq.html.j2", HEADING, status, staff, error, note=note, q=q, total=total,
                  rows=[(e, "served" if e.served_on(today) else "disabled" if not e.enabled else "expired") for e in entries],
                  draft=draft or Draft("", ""), max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), formats=list(FORMATS))


@router.get("/staff/faq", response_class=HTMLResponse)
async def faq_page(request: Request, q: str = "", note: str = "", added: int = 0, updated: int = 0,
                   unchanged: int = 0) -> Response:
    staff = require(request)
    text = NOTES.get(note, "")
    if note == "imported":
        text += f" 新增 {added}，更新 {updated}，未变 {unchanged}。Added {added}, updated {updated}, unchanged {unchanged}."
    return await _list_page(request, staff, note=text, q=q.strip()[:100])


def _draft(form) -> Draft:
    values = {k: form.get(k) if isinstance(form.get(k), str) else "" for k in FIELDS}
    return Draft(values["question"], values["answer"], values["source"], values["dept"],
                 normal_day(values["valid_until"])).cleaned()


def _done(note: str, **counts: int) -> RedirectResponse:
    query = "&".join([f"note={note}", *(f"{k}={v}" for k, v in counts.items())])
    return RedirectResponse(f"/staff/faq?{query}", status_code=303)


@router.post("/staff/faq/add")
async def faq_add(request: Request) -> Response:
    staff, form = await posted_form(request, max_files=0, max_fields=len(FIELDS), heading=HEADING)
    draft = _draft(form)
    problem = draft.problem()
    if problem:
        return await _list_page(request, staff, 400, f"无法保存：{problem}", draft=draft)
    try:
        saved = await request.app.state.knowledge.save_faq(request.app.state.http, [draft])
    except KnowledgeUnavailable:
        return await _list_page(request, staff, 503, UNAVAILABLE, draft=draft)
    except FaqRefused as exc:
        return await _list_page(request, staff, 400, f"无法保存：{exc}", draft=draft)
    entry_id = saved["ids"][0]
    await audit(request, staff, "faq.add", str(entry_id), {"question": draft.question[:100], "updated": saved["updated"]})
    return _done("added")


@router.get("/staff/faq/{entry_id}", response_class=HTMLResponse)
async def faq_edit_page(request: Request, entry_id: int) -> Response:
    staff = require(request)
    try:
        entry = await request.app.state.knowledge.faq_entry(request.app.state.http, entry_id)
    except KnowledgeUnavailable:
        return render(request, "message.html.j2", EDIT_HEADING, 503, staff, UNAVAILABLE)
    if entry is None:
        return render(request, "message.html.j2", EDIT_HEADING, 404, staff, f"没有第 {entry_id} 条。No entry {entry_id}.")
    return render(request, "faq_edit.html.j2", EDIT_HEADING, 200, staff, entry=entry, draft=entry)


@router.post("/staff/faq/{entry_id}")
async def faq_edit(request: Request, entry_id: int) -> Response:
    staff, form = await posted_form(request, max_files=0, max_fields=len(FIELDS), heading=EDIT_HEADING)
    draft = _draft(form)
    problem = draft.problem()
    client = request.app.state.knowledge
    try:
        entry = await client.faq_entry(request.app.state.http, entry_id)
        if entry is None:
            return render(request, "message.html.j2", EDIT_HEADING, 404, staff, f"没有第 {entry_id} 条。No entry {entry_id}.")
        if problem:
            raise FaqRefused(problem, 400)
        changed = await client.edit_faq(request.app.state.http, entry_id, replace(draft, enabled=entry.enabled))
    except KnowledgeUnavailable:
        return render(request, "message.html.j2", EDIT_HEADING, 503, staff, UNAVAILABLE)
    except FaqRefused as exc:
        return render(request, "faq_edit.html.j2", EDIT_HEADING, exc.status if exc.status in (400, 409) else 400, staff,
                      f"无法保存：{exc}", entry=entry, draft=draft)
    await audit(request, staff, "faq.edit", str(entry_id), {"question": changed.question[:100],
                                                           "question_changed": changed.question != entry.question})
    return _done("edited")


async def _set_enabled(request: Request, entry_id: int, enabled: bool) -> Response:
    staff, _ = await posted_form(request, max_files=0, max_fields=0, heading=HEADING)
    try:
        entry = await request.app.state.knowledge.set_faq_enabled(request.app.state.http, entry_id, enabled)
    except KnowledgeUnavailable:
        return await _list_page(request, staff, 503, UNAVAILABLE)
    except FaqRefused as exc:
        return await _list_page(request, staff, exc.status, str(exc))
    await audit(request, staff, "faq.enable" if enabled else "faq.disable", str(entry_id), {"question": entry.question[:100]})
    return _done("enabled" if enabled else "disabled")


@router.post("/staff/faq/{entry_id}/disable")
async def faq_disable(request: Request, entry_id: int) -> Response:
    return await _set_enabled(request, entry_id, False)


@router.post("/staff/faq/{entry_id}/enable")
async def faq_enable(request: Request, entry_id: int) -> Response:
    return await _set_enabled(request, entry_id, True)


@router.post("/staff/faq-import")
async def faq_import(request: Request) -> Response:
    staff = require(request)
    too_big = (f"文件太大：最大 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。请拆分后分批导入。"
               f" The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: split it.")
    # Refused before the body is read when the client says how big it is; checked again after reading.
    if int(request.headers.get("content-length") or 0) > MAX_UPLOAD_BYTES + 64 * 1024:
        return await _list_page(request, staff, 413, too_big)
    staff, form = await posted_form(request, max_files=1, max_fields=1, multipart=True, heading=HEADING)
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return await _list_page(request, staff, 400, "请选择一个文件。Choose a file.")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return await _list_page(request, staff, 413, too_big)
    name = Path(upload.filename).name
    try:
        rows = await run_in_threadpool(_read_upload, name, data)
    except FaqFileError as exc:
        return await _list_page(request, staff, 400, str(exc))
    try:
        saved = await request.app.state.knowledge.save_faq(request.app.state.http, [r.draft for r in rows])
    except KnowledgeUnavailable:
        return await _list_page(request, staff, 503, UNAVAILABLE)
    except FaqRefused as exc:
        return await _list_page(request, staff, 400, f"{name}: {exc}")
    counts = {k: int(saved[k]) for k in ("added", "updated", "unchanged")}
    await audit(request, staff, "faq.import", name, {"entries": len(rows), **counts})
    return _done("imported", **counts)


def _read_upload(name: str, data: bytes):
    return read_as_file(checked_suffix_name(name, SUFFIXES), data, lambda path: read_faq(path, name))


@router.post("/staff/faq-export")
async def faq_export(request: Request) -> Response:
    staff, form = await posted_form(request, max_files=0, max_fields=1, heading=HEADING)
    suffix = form.get("format") if isinstance(form.get("format"), str) else ""
    if suffix not in FORMATS:
        return await _list_page(request, staff, 400, f"导出格式只能是 {', '.join(FORMATS)}。Choose one of {', '.join(FORMATS)}.")
    try:
        entries, _ = await request.app.state.knowledge.faq_entries(request.app.state.http, "", 100_000)
    except KnowledgeUnavailable:
        return await _list_page(request, staff, 503, UNAVAILABLE)
    entries.reverse()  # oldest first, as they were imported
    data = await run_in_threadpool(export_bytes, entries, suffix)
    await audit(request, staff, "faq.export", f"faq{suffix}", {"entries": len(entries)})
    return Response(data, media_type=FORMATS[suffix], headers={
        "Content-Disposition": f'attachment; filename="faq{suffix}"', "Cache-Control": "no-store"})
