"""Staff login and logout: the token and the staff member's name in, the session cookie out."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..api_input import BadInput, media_type, parse
from ..api_schemas import LoginForm
from ..client_address import client_of
from . import audit_log
from .pages import FORMS, gate, login_page, not_found

router = APIRouter()


@router.post("/staff/login")
async def staff_login(request: Request) -> Response:
    the_gate = gate(request)
    if not the_gate.enabled:
        return not_found()
    if media_type(request)[0] not in FORMS:
        return login_page(request, 415, "请从登录页提交口令。Send the token from the login form.")
    form = await request.form(max_files=0, max_fields=3)
    try:
        login = parse(LoginForm, {k: v for k, v in form.items() if isinstance(v, str)})
    except BadInput:
        return login_page(request, 400, "只需要填写姓名和口令。Only your name and the token are expected.")
    address = client_of(request)
    db = audit_log.db_path(request.app.state.settings)
    if not the_gate.matches(login.token):
        await run_in_threadpool(audit_log.record, db, login.name or "?", address, "login.refused")
        return login_page(request, 403, "口令不对。Wrong token.")
    if not login.name:
        return login_page(request, 400, "请填写姓名：操作记录里写的是它。Give your name: the audit log shows it.")
    await run_in_threadpool(audit_log.record, db, login.name, address, "login")
    response = RedirectResponse("/staff", status_code=303)
    the_gate.remember(response, request, login.name)
    return response


@router.post("/staff/logout")
def staff_logout(request: Request) -> Response:
    the_gate = gate(request)
    if not the_gate.enabled:
        return not_found()
    response = RedirectResponse("/staff", status_code=303)
    the_gate.forget(response)
    return response
