"""What every staff page shares: the gate, the page frame with its navigation, the guard that turns a request
without a valid session (or a form without its CSRF token) into the right refusal, and the audit call.

Routes call `staff = require(request)` or `staff, form = await posted_form(request, …)`; a refusal is raised as
`Refused` and the gateway's handler for it returns its page (see bot/web.py)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ..api_input import media_type
from ..client_address import client_of
from . import accounts, audit_log
from .session import CSRF_FIELD, CSRF_HEADER, Staff, TokenGate

COOKIE = "policybot_staff"
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
# The console's sections, in the navigation's order: (path, label).
NAV = (("/staff", "覆盖检查 Coverage"), ("/staff/faq", "常见问题 FAQ"), ("/staff/documents", "文档管理 Documents"),
       ("/staff/feedback", "用户反馈 Feedback"), ("/staff/summary", "每周小结 Summary"), ("/staff/audit", "操作记录 Audit log"))

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent.parent / "templates" / "staff"),
                        autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


class Refused(Exception):
    """A staff request turned away; `response` is what the client gets."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


def gate(request: Request) -> TokenGate:
    settings = request.app.state.settings
    # The accounts are read from disk on each request (one small SQLite read), so that `policybot staff add` or
    # `remove` in another process takes effect on the running gateway at once.
    return TokenGate(settings.staff_token, COOKIE, "/staff", accounts.AccountBook(accounts.db_path(settings)))


def render(request: Request, template: str, heading: str, status: int = 200, staff: Staff | None = None,
           error: str = "", **context) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(
        heading=heading, error=error, staff=staff, csrf=staff.csrf if staff else "", csrf_field=CSRF_FIELD,
        nav=NAV, here=request.url.path, **context)
    return HTMLResponse(html, status, headers={"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-store"})


def not_found() -> Response:
    # A disabled staff area looks like no staff area at all.
    return Response("Not Found", 404, media_type="text/plain")


def login_page(request: Request, status: int = 401, error: str = "") -> HTMLResponse:
    """The login form: name and password once accounts exist, else name and the shared token."""
    return render(request, "login.html.j2", "工作人员登录 Staff login", status, error=error,
                  with_accounts=gate(request).with_accounts())


def require(request: Request) -> Staff:
    """The staff member behind this request; refuses with 404 (staff pages off) or the login page."""
    the_gate = gate(request)
    if not the_gate.enabled:
        raise Refused(not_found())
    staff = the_gate.staff(request)
    if staff is None:
        raise Refused(login_page(request))
    return staff


async def posted_form(request: Request, *, max_files: int, max_fields: int, multipart: bool = False,
                      page: str = "", heading: str = "") -> tuple[Staff, FormData]:
    """A staff form post: the session, then the body's type, then its CSRF token (a cookie session's forms must
    carry the one on its pages; a request from another site cannot know it). A refusal shows `page` again."""
    staff = require(request)

    def refuse(status: int, message: str) -> Refused:
        return Refused(render(request, page or "message.html.j2", heading or "工作人员 Staff", status, staff, message))

    kind = media_type(request)[0]
    # A post with no body at all (a bare button, a script) has no type: it is judged by its (missing) CSRF token.
    if kind not in (("multipart/form-data",) if multipart else (*FORMS, "")):
        raise refuse(415, "请用页面上的表单提交。Send this with the page's form.")
    if not _same_origin(request):
        raise refuse(403, "请求来自其他网站，已拒绝。A request from another site was refused.")
    form = await request.form(max_files=max_files, max_fields=max_fields + 1)
    submitted = form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER, "")
    if not gate(request).csrf_ok(staff, submitted if isinstance(submitted, str) else ""):
        raise refuse(403, "页面已过期或请求不是从本站页面发出的：请刷新页面后再提交。"
                          " The form's CSRF token is missing or wrong: reload the page and send it again.")
    return staff, form


def _same_origin(request: Request) -> bool:
    """Browsers send Origin on form posts: one from another host is refused before the CSRF token is looked at."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    return origin != "null" and urlsplit(origin).netloc == request.headers.get("host", request.url.netloc)


async def audit(request: Request, staff: Staff, action: str, target: str = "", detail: dict | None = None) -> None:
    await run_in_threadpool(audit_log.record, audit_log.db_path(request.app.state.settings), staff.name,
                            client_of(request), action, target, detail)
