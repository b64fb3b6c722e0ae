"""The staff audit page: the audit log, newest first, filterable by kind of action, paged back by id."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from . import audit_log
from .pages import render, require

PAGE_ROWS = 200
router = APIRouter()


@router.get("/staff/audit", response_class=HTMLResponse)
async def audit_page(request: Request, action: str = "", before: int | None = None) -> Response:
    staff = require(request)
    action = action.strip()[:40]
    rows = await run_in_threadpool(audit_log.entries, audit_log.db_path(request.app.state.settings),
                                   PAGE_ROWS, before, action)
    older = rows[-1].id if len(rows) == PAGE_ROWS else None
    return render(request, "audit.html.j2", "操作记录 Audit log", staff=staff, rows=rows, action=action, older=older)
