"""The staff documents page: the corpus folder's documents with title, date, chunks and when each was indexed,
upload (new documents or new versions) and removal; each change starts an index update that the running bot
answers from as soon as it is live (about half a minute for a notice of a few pages on 2 cores)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from ..knowledge_client import KnowledgeUnavailable
from . import uploads
from .pages import audit, posted_form, render, require
from .reindex import log_tail

HEADING = "文档管理 Documents"
MAX_BODY_BYTES = uploads.MAX_FILES * uploads.MAX_DOCUMENT_BYTES // 4 + 64 * 1024  # one request: up to 100 MB in all
router = APIRouter()


@dataclass(frozen=True)
class Row:
    doc_id: str
    file: str
    title: str
    date: str
    chunks: int | None
    indexed: str
    added: str  # the file's modification time in the corpus folder
    status: str


@router.get("/staff/documents", response_class=HTMLResponse)
async def documents_page(request: Request) -> Response:
    return await _page(request, require(request))


@router.post("/staff/documents/upload")
async def upload(request: Request) -> Response:
    staff = require(request)
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        return await _page(request, staff, 413, f"一次上传太大：最多 {MAX_BODY_BYTES // 2**20} MB，请分批上传。")
    staff, form = await posted_form(request, max_files=uploads.MAX_FILES, max_fields=0, multipart=True,
                                    page="message.html.j2", heading=HEADING)
    files = [f for f in form.getlist("files") if not isinstance(f, str) and f.filename]
    if not files:
        return await _page(request, staff, 400, "请选择要上传的文件。Choose the files to upload.")
    corpus = request.app.state.settings.corpus_dir
    done, refused = [], []
    for f in files:
        data = await f.read(uploads.MAX_DOCUMENT_BYTES + 1)
        try:
            added = await run_in_threadpool(uploads.add, corpus, f.filename, data)
        except uploads.UploadRefused as exc:
            refused.append(str(exc))
            await audit(request, staff, "document.refused", f.filename[:120], {"why": str(exc)[:300]})
            continue
        done.append(added)
        await audit(request, staff, "document.upload", added.name,
                    {"bytes": len(data), "chars": added.chars, "replaced": added.replaced})
    if done:
        request.app.state.reindexer.request()
    notes = [f"已上传 {a.name}（{'新版本，替换旧版' if a.replaced else '新文档'}，{a.chars:,} 字）" for a in done]
    return await _page(request, staff, 200 if done else 400, "；".join(refused), notes=notes)


@router.post("/staff/documents/remove")
async def remove(request: Request) -> Response:
    staff, form = await posted_form(request, max_files=0, max_fields=1, page="message.html.j2", heading=HEADING)
    doc_id = form.get("doc_id")
    if not isinstance(doc_id, str) or not doc_id:
        return await _page(request, staff, 400, "没有指定要删除的文档。")
    try:
        path = await run_in_threadpool(uploads.remove, request.app.state.settings.corpus_dir, doc_id)
    except uploads.UploadRefused as exc:
        return await _page(request, staff, 404, str(exc))
    await audit(request, staff, "document.remove", doc_id)
    request.app.state.reindexer.request()
    return await _page(request, staff, notes=[f"已删除 {path.name}：索引更新后机器人不再引用它。"])


async def _page(request: Request, staff, status: int = 200, error: str = "", notes: list[str] = ()) -> HTMLResponse:
    reindexer = request.app.state.reindexer
    try:
        catalogue = await request.app.state.knowledge.catalogue(request.app.state.http)
    except KnowledgeUnavailable:
        catalogue = None
        error = error or "知识库暂时不可用：文档列表只显示文件夹里的文件。The knowledge base is not answering."
    rows = await run_in_threadpool(_rows, request.app.state.settings.corpus_dir, catalogue, reindexer.busy)
    return render(request, "documents.html.j2", HEADING, status, staff, error, rows=rows, notes=notes,
                  busy=reindexer.busy, last=reindexer.last, log=log_tail(reindexer.log) if reindexer.last.exit_code else "",
                  build=(catalogue or {}).get("build", ""), max_mb=uploads.MAX_DOCUMENT_BYTES // 2**20,
                  max_files=uploads.MAX_FILES)


def _rows(corpus_dir: Path, catalogue: dict | None, busy: bool) -> list[Row]:
    from knowledge.ingest.corpus import list_files

    files = {f.doc_id: f.path for f in list_files(corpus_dir)}
    indexed = {d["doc_id"]: d for d in (catalogue or {}).get("documents", [])}
    skipped = (catalogue or {}).get("skipped", {})
    rows, seen_files = [], set()
    for doc in sorted(indexed.values(), key=lambda d: d["doc_id"]):
        path = files.get(doc["file"])
        seen_files.add(doc["file"])
        if path is None:
            status = "已删除，等待索引更新" if busy else "文件已不在文件夹中"
        elif doc["indexed"] and _mtime(path) > doc["indexed"]:
            status = "新版本索引中" if busy else "新版本尚未索引"
        else:
            status = "已索引"
        rows.append(Row(doc["doc_id"], doc["file"], doc["title"], doc["date"], doc["chunks"], doc["indexed"],
                        _mtime(path) if path else "", status))
    for doc_id, path in sorted(files.items()):
        if doc_id in seen_files:
            continue
        why = skipped.get(doc_id)
        status = ("索引中" if busy else ("未能索引：" + why if why else "尚未索引"))
        rows.append(Row(doc_id, doc_id, "", "", None, "", _mtime(path), status))
    return rows


def _mtime(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%dT%H:%M:%S")
