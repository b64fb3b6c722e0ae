"""The staff's feedback review: answers citizens marked 没用 (or all feedback), newest first, filterable by date
and by cited document; and the weekly summary: 有用/没用 counts, the most asked and the most declined questions,
with a chart of the last weeks."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from .. import feedback, question_log
from ..charts import inline_svg
from ..knowledge_client import FaqRefused, KnowledgeUnavailable
from .pages import audit, posted_form, render, require

PAGE_ROWS = 100
CHART_WEEKS = 8
DECLINED = ("declined", "not_stated")
router = APIRouter()


@router.get("/staff/feedback", response_class=HTMLResponse)
async def review(request: Request, rating: str = "down", since: str = "", until: str = "", doc: str = "",
                 before: int | None = None) -> Response:
    staff = require(request)
    rating = rating if rating in ("up", "down", "") else "down"
    error = ""
    try:
        start, end = _day(since), _day(until)
    except ValueError:
        start, end, error = None, None, "日期请写成 2026-12-01 的样子。Dates as YYYY-MM-DD."
    db = feedback.db_path(request.app.state.settings)
    rows = await run_in_threadpool(feedback.reviews, db, rating, start.isoformat() if start else "",
                                   (end + timedelta(days=1)).isoformat() if end else "", doc.strip()[:200],
                                   PAGE_ROWS, before)
    older = rows[-1]["id"] if len(rows) == PAGE_ROWS else None
    return render(request, "feedback.html.j2", "用户反馈 Feedback", 400 if error else 200, staff, error, rows=rows,
                  rating=rating, since=since[:10], until=until[:10], doc=doc[:200], older=older)


@router.post("/staff/feedback/promote")
async def promote(request: Request) -> Response:
    """A corrected answer to a question citizens found unhelpful, as a curated FAQ entry: served from the next
    question on."""
    staff, form = await posted_form(request, max_files=0, max_fields=4, page="message.html.j2", heading="用户反馈 Feedback")
    fields = {k: form.get(k) if isinstance(form.get(k), str) else "" for k in ("question", "answer", "source", "feedback")}
    if not fields["question"].strip() or not fields["answer"].strip():
        return render(request, "message.html.j2", "用户反馈 Feedback", 400, staff, "问题和更正后的答案都要填写。")
    try:
        entry_id = await request.app.state.knowledge.add_faq_entry(request.app.state.http, fields["question"].strip(),
                                                                  fields["answer"].strip(), fields["source"].strip())
    except KnowledgeUnavailable:
        return render(request, "message.html.j2", "用户反馈 Feedback", 503, staff, "知识库暂时不可用，请稍后再试。")
    except FaqRefused as exc:
        return render(request, "message.html.j2", "用户反馈 Feedback", 400, staff, str(exc))
    await audit(request, staff, "faq.promote", str(entry_id), {"question": fields["question"][:200],
                                                               "feedback": fields["feedback"][:20]})
    return RedirectResponse(f"/staff/faq?q={quote(fields['question'].strip()[:100])}", status_code=303)


@router.get("/staff/summary", response_class=HTMLResponse)
async def summary(request: Request, week: str = "") -> Response:
    staff = require(request)
    error = ""
    try:
        picked = _day(week) or date.today()
    except ValueError:
        picked, error = date.today(), "日期请写成 2026-12-01 的样子。"
    monday = picked - timedelta(days=picked.weekday())
    settings = request.app.state.settings
    weeks = await run_in_threadpool(_weeks, settings, monday)
    this = weeks[-1]
    since, until = monday.isoformat(), (monday + timedelta(days=7)).isoformat()
    qdb = question_log.db_path(settings)
    asked = await run_in_threadpool(question_log.most_asked, qdb, since, until, 10)
    declined = await run_in_threadpool(question_log.most_asked, qdb, since, until, 10, DECLINED)
    return render(request, "summary.html.j2", "每周小结 Weekly summary", 400 if error else 200, staff, error,
                  this=this, weeks=weeks, asked=asked, declined=declined, chart=_chart(weeks),
                  week=monday.isoformat(), previous=(monday - timedelta(days=7)).isoformat(),
                  next=(monday + timedelta(days=7)).isoformat() if monday + timedelta(days=7) <= date.today() else "")


def _weeks(settings, last_monday: date) -> list[dict]:
    out = []
    for k in range(CHART_WEEKS - 1, -1, -1):
        start = last_monday - timedelta(days=7 * k)
        since, until = start.isoformat(), (start + timedelta(days=7)).isoformat()
        votes = feedback.counts(feedback.db_path(settings), since, until)
        statuses = question_log.counts_by_status(question_log.db_path(settings), since, until)
        out.append({"week": since, "up": votes["up"], "down": votes["down"], "questions": sum(statuses.values()),
                    "declined": sum(statuses.get(s, 0) for s in DECLINED)})
    return out


def _chart(weeks: list[dict]) -> Markup:
    """Questions, declined and 有用/没用 per week, as grouped bars."""
    series = (("questions", "提问 questions", "#8c959f"), ("declined", "未能回答 declined", "#cf222e"),
              ("up", "有用 helpful", "#1a7f37"), ("down", "没用 not helpful", "#bf8700"))

    def draw(ax) -> None:
        for k, (key, label, colour) in enumerate(series):
            ax.bar([i + 0.2 * k - 0.3 for i in range(len(weeks))], [w[key] for w in weeks], 0.2, label=label, color=colour)
        ax.set_xticks(range(len(weeks)), [w["week"][5:] for w in weeks])
        ax.set_xlabel("周（周一） week of")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.legend(fontsize=7, ncols=4, loc="upper left", frameon=False)
        ax.spines[["top", "right"]].set_visible(False)

    return inline_svg(draw, (7.5, 2.8), "policybot-summary")


def _day(text: str) -> date | None:
    return datetime.strptime(text.strip()[:10], "%Y-%m-%d").date() if text.strip() else None
