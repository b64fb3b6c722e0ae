"""The staff console's safety: sessions that name the staff member, CSRF tokens on every form of a cookie session,
refusals of cross-site posts, and the audit log that records who did what. The gateway runs for real (Rasa and
the action server absent: a post that gets past the checks meets the knowledge base's 503, which proves it did)."""
from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings, strategies as st

from bot.staff import audit_log
from bot.staff.session import MAX_NAME_CHARS, TokenGate, clean_name
from bot.web import create_app
from knowledge.config import Settings

DEAD = "http://127.0.0.1:9"
TOKEN = "console-token"


@pytest.fixture()
def config(tmp_path):
    return Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path, staff_token=TOKEN)


def _client(config) -> TestClient:
    return TestClient(create_app(config, DEAD, DEAD), base_url="http://policybot.test")


def _login(client: TestClient, name: str = "李明") -> str:
    """Logs in; returns the CSRF token of the session's coverage form."""
    assert client.post("/staff/login", data={"token": TOKEN, "name": name}).status_code == 200
    page = client.get("/staff")
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
    assert page.status_code == 200 and found, page.text[:500]
    return found.group(1)


def _upload(text: str = "问题\n怎么办理不动产登记？\n"):
    return {"file": ("faq.csv", io.BytesIO(text.encode()), "text/csv")}


def test_a_form_without_its_csrf_token_is_refused_and_with_it_goes_through(config):
    with _client(config) as client:
        csrf = _login(client)
        assert "李明" in client.get("/staff").text
        missing = client.post("/staff/report", files=_upload())
        assert missing.status_code == 403 and "CSRF" in missing.text
        forged = client.post("/staff/report", files=_upload(), data={"csrf": "0" * 64})
        assert forged.status_code == 403
        other_site = client.post("/staff/report", files=_upload(), data={"csrf": csrf},
                                 headers={"Origin": "https://evil.example"})
        assert other_site.status_code == 403 and "其他网站" in other_site.text
        # Past every check, the run meets the absent knowledge base: 503 with the page saying so.
        through = client.post("/staff/report", files=_upload(), data={"csrf": csrf},
                              headers={"Origin": "http://policybot.test"})
        assert through.status_code == 503 and "知识库暂时不可用" in through.text


def test_a_token_of_another_session_does_not_pass(config):
    with _client(config) as first, _client(config) as second:
        csrf_first = _login(first, "甲")
        _login(second, "乙")
        assert second.post("/staff/report", files=_upload(), data={"csrf": csrf_first}).status_code == 403


def test_scripts_with_the_bearer_token_need_no_csrf_token(config):
    with _client(config) as client:
        reply = client.post("/staff/report", files=_upload(),
                            headers={"Authorization": f"Bearer {TOKEN}", "X-Staff-Name": "nightly job"})
        assert reply.status_code == 503
        assert client.post("/staff/report", files=_upload(), headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_tampered_cookie_is_not_a_session(config):
    with _client(config) as client:
        _login(client, "李明")
        cookie = client.cookies.get("policybot_staff")
        encoded, _, signature = cookie.partition(".")
        client.cookies.clear()
        import base64
        other = base64.urlsafe_b64encode("管理员".encode()).decode()
        client.cookies.set("policybot_staff", f"{other}.{signature}", domain="policybot.test", path="/staff")
        assert client.get("/staff").status_code == 401
        client.cookies.set("policybot_staff", "not a cookie", domain="policybot.test", path="/staff")
        assert client.get("/staff").status_code == 401


def test_the_audit_log_says_who_did_what(config):
    with _client(config) as client:
        assert client.post("/staff/login", data={"token": "wrong", "name": "x"}).status_code == 403
        csrf = _login(client, "李明")
        client.post("/staff/report", files=_upload(), data={"csrf": csrf})
        client.post("/staff/report", files=_upload(), headers={"Authorization": f"Bearer {TOKEN}"})
        entries = audit_log.entries(audit_log.db_path(config))
        assert [(e.who, e.action) for e in entries] == [("李明", "login"), ("x", "login.refused")]
        page = client.get("/staff/audit")
        assert page.status_code == 200 and "login.refused" in page.text and "李明" in page.text
        only = client.get("/staff/audit", params={"action": "login.refused"})
        assert "login.refused" in only.text and "<td>login</td>" not in only.text
        client.cookies.clear()
        assert client.get("/staff/audit").status_code == 401


def test_audit_entries_page_back_newest_first(tmp_path):
    db = tmp_path / "audit.db"
    ids = [audit_log.record(db, "a", "127.0.0.1", "faq.edit", str(n), {"n": n}) for n in range(5)]
    audit_log.record(db, "b", "127.0.0.1", "document.upload", "x.txt")
    assert [e.target for e in audit_log.entries(db, limit=2, action="faq")] == ["4", "3"]
    assert [e.target for e in audit_log.entries(db, limit=10, before=ids[2], action="faq")] == ["1", "0"]
    assert audit_log.entries(db, limit=1)[0].action == "document.upload"
    assert audit_log.entries(db, limit=10, action="fa") == []


@settings(max_examples=200)
@given(name=st.text(max_size=80))
def test_any_name_survives_the_cookie_round_trip(name):
    gate = TokenGate("t", "policybot_staff", "/staff")
    cleaned = clean_name(name)
    assert len(cleaned) <= MAX_NAME_CHARS and "\n" not in cleaned
    from starlette.requests import Request
    from starlette.responses import Response

    response = Response()
    request = Request({"type": "http", "headers": [], "scheme": "http", "server": ("x", 80), "path": "/"})
    gate.remember(response, request, cleaned)
    cookie = response.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    back = Request({"type": "http", "headers": [(b"cookie", f"policybot_staff={cookie}".encode())]})
    staff = gate.staff(back)
    assert staff is not None and staff.name == cleaned and len(staff.csrf) == 64
