"""The staff's feedback review and weekly summary, on feedback and question logs written by the same functions the
gateway and the action server use."""
from __future__ import annotations

import re
import sqlite3
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from bot import feedback, question_log
from bot.web import create_app
from knowledge.config import Settings

DEAD = "http://127.0.0.1:9"
TOKEN = "feedback-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _cite(doc_id: str, quote: str) -> dict:
    return {"n": 1, "doc_id": doc_id, "title": f"标题{doc_id}", "quote": quote}


@pytest.fixture()
def client(tmp_path):
    settings = Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path, staff_token=TOKEN)
    db = feedback.db_path(settings)
    feedback.record(db, "s1", "down", "没说多长时间", "不动产登记要多久？", "之前要跑三个部门。", [_cite("a.txt", "之前要跑三个部门")])
    feedback.record(db, "s2", "up", "", "几个窗口？", "设置综合受理窗口6个。", [_cite("b.txt", "窗口6个")])
    feedback.record(db, "s3", "down", "<script>alert(1)</script>", "营商环境措施？", "采取了三项措施。", [_cite("b.txt", "三项措施")])
    with sqlite3.connect(db) as conn:  # one from three weeks ago
        conn.execute("UPDATE feedback SET created = ? WHERE sender = 's1'",
                     ((date.today() - timedelta(days=21)).isoformat() + "T10:00:00",))
    qdb = question_log.db_path(settings)
    for said, status in [("社保卡丢了怎么补办？", "declined"), ("社保卡丢了怎么补办", "declined"), ("社保卡丟了怎麼補辦？", "declined"),
                         ("登记费多少钱？", "not_stated"), ("几个窗口？", "answered"), ("几个窗口", "answered")]:
        question_log.record(qdb, "citizen", said, said, status, 0.5, "")
    with TestClient(create_app(settings, DEAD, DEAD)) as c:
        yield c


def test_the_review_lists_not_helpful_answers_newest_first_and_filters(client):
    page = client.get("/staff/feedback", headers=AUTH).text
    assert page.index("营商环境措施") < page.index("不动产登记要多久") and "几个窗口" not in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "标题b.txt（b.txt）：三项措施" in page
    only_b = client.get("/staff/feedback", params={"doc": "b.txt"}, headers=AUTH).text
    assert "营商环境措施" in only_b and "不动产登记要多久" not in only_b
    recent = client.get("/staff/feedback", params={"since": (date.today() - timedelta(days=7)).isoformat()}, headers=AUTH).text
    assert "营商环境措施" in recent and "不动产登记要多久" not in recent
    both = client.get("/staff/feedback", params={"rating": ""}, headers=AUTH).text
    assert "几个窗口" in both
    assert client.get("/staff/feedback", params={"since": "yesterday"}, headers=AUTH).status_code == 400
    assert client.get("/staff/feedback").status_code == 401


def test_the_weekly_summary_counts_votes_and_the_most_declined_questions(client):
    page = client.get("/staff/summary", headers=AUTH)
    assert page.status_code == 200
    html = page.text
    assert re.search(r'id="up">1<', html) and re.search(r'id="down">1<', html)  # the three-week-old one is not this week's
    assert re.search(r'id="questions">6<', html) and re.search(r'id="declined">4<', html)
    declined = html[html.index('id="most-declined"'):]
    # Three wordings of one question (punctuation, traditional script) count as one, asked three times.
    assert "（3 次）" in declined and "登记费多少钱？（1 次）" in declined
    asked = html[html.index('id="most-asked"'):html.index('id="most-declined"')]
    assert "（3 次）" in asked and "几个窗口（2 次）" in asked
    assert "<svg" in html and "有用 helpful" in html
    earlier = client.get("/staff/summary", params={"week": (date.today() - timedelta(days=21)).isoformat()}, headers=AUTH).text
    assert re.search(r'id="down">1<', earlier) and re.search(r'id="questions">0<', earlier)
