"""The gateway's host page: a topic in, the interview briefing out (the `policybot prep` briefing, prepared
and rendered by the action server's knowledge API), as a page, as Markdown or as a Word file.

Mounted by the gateway with `app.include_router(router)`; reads `app.state.knowledge` (a KnowledgeApi) and
`app.state.http`. Open like the chat: the briefing holds nothing the chat's “帮我准备……的访谈” does not.
"""
from __future__ import annotations

import html
import logging
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from limits import parse as parse_limit

from .api_input import BadInput, parse
from .api_schemas import BriefingQuery
from .client_address import client_of
from .knowledge_client import KnowledgeUnavailable

log = logging.getLogger(__name__)

MAX_TOPIC_CHARS = 40
# The briefing page is inline CSS and anchors only: nothing else may load or run.
PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'")

router = APIRouter()

_FORM = """<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"/><title>访谈准备</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:40em;margin:3em auto;padding:0 1em}}
input[type=text]{{width:18em;padding:.4em}}button{{padding:.4em 1em}}.error{{color:#b22}}</style></head>
<body><h1>访谈准备</h1>
<p>输入访谈主题（例如 营商环境、不动产登记、教育、放管服），得到可能的问题、带出处的回答要点和关键数据。</p>
<form method="get" action="/host">
<input type="text" name="topic" maxlength="{max_chars}" value="{topic}" required="required"/>
<select name="format"><option value="html">网页</option><option value="docx">Word 文档</option>
<option value="md">Markdown</option></select>
<button type="submit">生成简报</button></form>
{error}</body></html>
"""


def _form(status: int = 200, topic: str = "", error: str = "") -> HTMLResponse:
    page = _FORM.format(max_chars=MAX_TOPIC_CHARS, topic=html.escape(topic),
                        error=f'<p class="error">{html.escape(error)}</p>' if error else "")
    return HTMLResponse(page, status, headers={"Content-Security-Policy": PAGE_CSP})


def _too_fast(request: Request) -> bool:
    """A briefing costs about a second of CPU: the gateway's per-address limit keeps one client from
    monopolising it (an app without a limiter, as in tests of this router alone, has none)."""
    state = request.app.state
    limiter = getattr(state, "limiter", None)
    if limiter is None:
        return False
    return not limiter.hit(parse_limit(state.settings.address_rate_limit), "host", client_of(request))


@router.get("/host", response_class=HTMLResponse)
async def host_page(request: Request, topic: str = "", format: str = "html") -> Response:
    if format not in ("html", "md", "docx"):
        return _form(400, topic[:MAX_TOPIC_CHARS], f"不支持的格式“{format[:20]}”：请选 网页、Word 文档 或 Markdown。")
    try:
        query = parse(BriefingQuery, {"topic": topic, "format": format})
    except BadInput as exc:
        return _form(exc.status, "", exc.message)
    topic = query.topic
    if not topic:
        return _form()
    if len(topic) > MAX_TOPIC_CHARS:
        return _form(400, topic[:MAX_TOPIC_CHARS], f"主题最多 {MAX_TOPIC_CHARS} 个字，请写得简短些。")
    if _too_fast(request):
        return _form(429, topic, "请求太频繁了，请稍等片刻再试。")
    try:
        briefing = await request.app.state.knowledge.briefing(request.app.state.http, topic, query.format)
    except KnowledgeUnavailable as exc:
        log.warning("no briefing: %s", exc)
        return _form(503, topic, "知识库暂时不可用（正在启动或重启），请稍后再试。")
    headers = {"Content-Security-Policy": PAGE_CSP}
    if query.format == "docx":
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'访谈准备-{topic}.docx')}"
    return Response(briefing.content, media_type=briefing.media_type, headers=headers)
