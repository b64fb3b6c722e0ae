"""Staff login and logout: a name and a password (once staff accounts exist) or the shared token (until then)
in, the session cookie out. Every refused login is audited, and failures are limited per client address and
per name given (Settings.login_rate_limit), so that neither a password nor the token can be guessed at speed."""
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
TOO_MANY = ("登录失败次数太多，请一分钟后再试。"
            " Too many failed logins from here or for this name: wait a minute and try again.")


@router.post("/staff/login")
async def staff_login(request: Request) -> Response:
    the_gate = gate(request)
    if not the_gate.enabled:
        return not_found()
    if media_type(request)[0] not in FORMS:
        return login_page(request, 415, "请从登录页提交。Send your name and password (or the token) from the login form.")
    form = await request.form(max_files=0, max_fields=3)
    try:
        login = parse(LoginForm, {k: v for k, v in form.items() if isinstance(v, str)})
    except BadInput:
        return login_page(request, 400, "只需要填写姓名和密码（或口令）。Only your name and password (or the token) are expected.")
    address = client_of(request)
    db = audit_log.db_path(request.app.state.settings)
    limiter, limit = request.app.state.limiter, request.app.state.login_limit
    keys = (("staff-login-address", address), ("staff-login-name", login.name.casefold() or "?"))

    async def refuse(status: int, message: str, action: str = "login.refused", detail: dict | None = None) -> Response:
        await run_in_threadpool(audit_log.record, db, login.name or "?", address, action, "", detail)
        if action == "login.refused":
            for key in keys:
                limiter.hit(limit, *key)
        return login_page(request, status, message)

    # Checked before the password: a client past the limit learns nothing more, right or wrong.
    if not all(limiter.test(limit, *key) for key in keys):
        return await refuse(429, TOO_MANY, "login.limited")
    if the_gate.with_accounts():
        if login.token and not login.password:
            return await refuse(403, "已启用个人账户：请用姓名和自己的密码登录，共享口令不能再登录网页。"
                                     " Staff accounts are set up: log in with your name and your own password (the"
                                     " shared token no longer logs a browser in; ask an admin for an account).",
                                detail={"with": "token"})
        # scrypt takes tens of milliseconds of CPU: off the event loop.
        account = await run_in_threadpool(the_gate.accounts.verify, login.name, login.password)
        if account is None:
            return await refuse(403, "姓名或密码不对。Wrong name or password (an admin can reset it:"
                                     " `policybot staff reset NAME`).")
        name = account.name
    else:
        if not the_gate.matches(login.token):
            return await refuse(403, "口令不对。Wrong token.")
        if not login.name:
            return login_page(request, 400, "请填写姓名：操作记录里写的是它。Give your name: the audit log shows it.")
        name, account = login.name, None
    await run_in_threadpool(audit_log.record, db, name, address, "login", "", {"with": "account" if account else "token"})
    response = RedirectResponse("/staff", status_code=303)
    the_gate.remember(response, request, name, account)
    return response


@router.post("/staff/logout")
def staff_logout(request: Request) -> Response:
    the_gate = gate(request)
    if not the_gate.enabled:
        return not_found()
    response = RedirectResponse("/staff", status_code=303)
    the_gate.forget(response)
    return response
