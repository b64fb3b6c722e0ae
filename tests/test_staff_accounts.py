"""Per-person staff accounts: made, listed, reset and removed with `policybot staff` (each command audited); once
one exists a browser logs in with its name and password, the shared token no longer does (scripts keep their
bearer token), a removed or reset account's sessions end, failed logins are limited, and the audit log names the
account. The gateway runs for real (Rasa and the action server absent: a post past the checks meets a 503)."""
from __future__ import annotations

import io
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from bot.cli import main as cli
from bot.staff import audit_log
from bot.staff.accounts import AccountBook, db_path
from bot.web import create_app
from knowledge.config import PROJECT_ROOT, Settings

DEAD = "http://127.0.0.1:9"
TOKEN = "accounts-token"
PASSWORD = "lotus-pond-1987"


@pytest.fixture()
def config(tmp_path) -> Settings:
    return Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path, staff_token=TOKEN)


def _client(config: Settings) -> TestClient:
    return TestClient(create_app(config, DEAD, DEAD), base_url="http://policybot.test")


def _staff(config: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """`policybot staff …` in a process of its own, as an admin runs it."""
    env = {**os.environ, **config.to_env()}
    return subprocess.run([sys.executable, "-m", "bot.cli", "staff", *args], cwd=PROJECT_ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def _audited(config: Settings, action: str = "") -> list[tuple[str, str, str]]:
    return [(e.who, e.action, e.target) for e in reversed(audit_log.entries(audit_log.db_path(config), action=action))]


def _csrf(client: TestClient) -> str:
    page = client.get("/staff")
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
    assert page.status_code == 200 and found, page.text[:500]
    return found.group(1)


def _report(client: TestClient, csrf: str):
    upload = {"file": ("faq.csv", io.BytesIO("问题\n怎么办理不动产登记？\n".encode()), "text/csv")}
    return client.post("/staff/report", files=upload, data={"csrf": csrf})


def test_the_account_lifecycle_on_the_command_line_is_audited(config, monkeypatch, capsys):
    added = _staff(config, "add", "王芳", "--password-stdin", stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "added 王芳" in added.stdout and PASSWORD not in added.stdout, added.stderr
    assert AccountBook(db_path(config)).verify("王芳", PASSWORD).name == "王芳"
    monkeypatch.setenv("POLICYBOT_DATA_DIR", str(config.data_dir))
    assert cli(["staff", "add", "李明"]) == 0
    printed = capsys.readouterr().out
    generated = printed.strip().splitlines()[-1]
    assert "shown only now" in printed and len(generated) >= 20
    assert AccountBook(db_path(config)).verify("李明", generated) is not None
    assert cli(["staff", "add", "李明"]) == 1 and "policybot staff reset 李明" in capsys.readouterr().err
    assert cli(["staff", "add", "Script runner"]) == 1 and "starts with 'script'" in capsys.readouterr().err
    short = _staff(config, "add", "张伟", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least 10" in short.stderr and "--password-stdin" in short.stderr
    assert cli(["staff", "list"]) == 0
    listed = capsys.readouterr()
    assert [line.split("\t")[0] for line in listed.out.splitlines()] == ["王芳", "李明"] and "2 staff accounts" in listed.err
    assert cli(["staff", "reset", "李明"]) == 0
    new = capsys.readouterr().out.strip().splitlines()[-1]
    book = AccountBook(db_path(config))
    assert new != generated and book.verify("李明", generated) is None and book.verify("李明", new) is not None
    assert cli(["staff", "remove", "无名氏"]) == 1 and "policybot staff list" in capsys.readouterr().err
    assert cli(["staff", "remove", "李明"]) == 0 and book.get("李明") is None
    who = {w for w, _, _ in _audited(config)}
    assert len(who) == 1 and next(iter(who)).endswith("(command line)")
    assert [(a, t) for _, a, t in _audited(config)] == [
        ("staff.add", "王芳"), ("staff.add", "李明"), ("staff.add.refused", "李明"), ("staff.add.refused", "Script runner"),
        ("staff.add.refused", "张伟"), ("staff.list", ""), ("staff.reset", "李明"), ("staff.remove.refused", "无名氏"),
        ("staff.remove", "李明")]
    # the hash is scrypt's with a salt of each account's own: the same password, unrelated hashes
    book.add("赵敏", PASSWORD)
    with sqlite3.connect(db_path(config)) as conn:
        rows = {name: (salt, digest) for name, salt, digest in
                conn.execute("SELECT name, salt, digest FROM accounts WHERE name IN ('王芳', '赵敏')")}
    assert rows["王芳"][0] != rows["赵敏"][0] and rows["王芳"][1] != rows["赵敏"][1]
    assert all(PASSWORD.encode() not in salt + digest for salt, digest in rows.values())


def test_with_an_account_the_form_takes_its_password_and_no_longer_the_token(config):
    book = AccountBook(db_path(config))
    with _client(config) as client:
        # no accounts: today's login with the token and a self-declared name
        assert 'name="token"' in client.get("/staff").text
        assert client.post("/staff/login", data={"token": TOKEN, "name": "临时"}).status_code == 200
        token_session = client.cookies.get("policybot_staff")
        book.add("王芳", PASSWORD)
        # the token's session ended with the first account, and the form now asks for a password
        assert client.get("/staff").status_code == 401
        form = client.get("/staff").text
        assert 'name="password"' in form and 'name="token"' not in form and "policybot staff add" in form
        client.cookies.set("policybot_staff", token_session, domain="policybot.test", path="/staff")
        assert client.get("/staff").status_code == 401
        client.cookies.clear()

        refused = client.post("/staff/login", data={"token": TOKEN, "name": "王芳"})
        assert refused.status_code == 403 and "共享口令" in refused.text and "policybot_staff" not in client.cookies
        wrong = client.post("/staff/login", data={"name": "王芳", "password": PASSWORD + "x"})
        assert wrong.status_code == 403 and "policybot staff reset" in wrong.text
        unknown = client.post("/staff/login", data={"name": "李明", "password": PASSWORD})
        assert unknown.status_code == 403 and unknown.text == wrong.text.replace("王芳", "李明")
        assert client.get("/staff").status_code == 401

        assert client.post("/staff/login", data={"name": "王芳", "password": PASSWORD}).status_code == 200
        csrf = _csrf(client)
        assert _report(client, csrf).status_code == 503  # past every check
        # scripts keep the bearer token, audited as the script whatever name they give
        script = client.post("/staff/report", files={"file": ("q.csv", io.BytesIO("问题\n你好\n".encode()), "text/csv")},
                             headers={"Authorization": f"Bearer {TOKEN}", "X-Staff-Name": "Wang Fang"})
        assert script.status_code == 503
    assert _audited(config, "login") == [("临时", "login", ""), ("王芳", "login.refused", ""), ("王芳", "login.refused", ""),
                                         ("李明", "login.refused", ""), ("王芳", "login", "")]
    [entry] = [e for e in audit_log.entries(audit_log.db_path(config)) if e.action == "login" and e.who == "王芳"]
    assert entry.detail == {"with": "account"}


def test_the_audit_log_names_the_account_and_the_script(config):
    """(tests/test_faq_pages.py sees an FAQ edit audited as the account that made it.)"""
    AccountBook(db_path(config)).add("Wang Fang", PASSWORD)
    with _client(config) as client:
        # the name matches case-insensitively; the log and the page show the account's own spelling
        assert client.post("/staff/login", data={"name": "wang fang", "password": PASSWORD}).status_code == 200
        assert "Wang Fang" in client.get("/staff").text
    assert _audited(config) == [("Wang Fang", "login", "")]
    # a script's self-declared name is shown as a script's, so it cannot pass for the account
    assert _script_name(config, "Wang Fang") == "script (Wang Fang)" and _script_name(config, "") == "script"


def _script_name(config: Settings, label: str) -> str:
    from starlette.requests import Request

    from bot.staff.session import TokenGate

    gate = TokenGate(config.staff_token, "policybot_staff", "/staff", AccountBook(db_path(config)))
    request = Request({"type": "http", "headers": [(b"authorization", f"Bearer {TOKEN}".encode()),
                                                   (b"x-staff-name", label.encode())]})
    return gate.staff(request).name


def test_removing_or_resetting_an_account_ends_its_sessions(config):
    book = AccountBook(db_path(config))
    book.add("王芳", PASSWORD)
    book.add("李明", PASSWORD + "2")
    with _client(config) as wang, _client(config) as li:
        assert wang.post("/staff/login", data={"name": "王芳", "password": PASSWORD}).status_code == 200
        assert li.post("/staff/login", data={"name": "李明", "password": PASSWORD + "2"}).status_code == 200
        kept = wang.cookies.get("policybot_staff")
        csrf = _csrf(wang)
        assert _run(config, "remove", "王芳") == 0
        assert wang.get("/staff").status_code == 401 and _report(wang, csrf).status_code == 401
        # the same name added again is a new account: the old cookie is not its session
        book.add("王芳", PASSWORD)
        wang.cookies.set("policybot_staff", kept, domain="policybot.test", path="/staff")
        assert wang.get("/staff").status_code == 401
        assert li.get("/staff").status_code == 200  # another person's session is untouched
        book.reset("李明", PASSWORD + "3")
        assert li.get("/staff").status_code == 401
        assert li.post("/staff/login", data={"name": "李明", "password": PASSWORD + "2"}).status_code == 403
        assert li.post("/staff/login", data={"name": "李明", "password": PASSWORD + "3"}).status_code == 200
        # with no account left, the token logs browsers in again, as before any account was made
        book.remove("王芳")
        book.remove("李明")
        assert li.get("/staff").status_code == 401
        assert li.post("/staff/login", data={"token": TOKEN, "name": "李明"}).status_code == 200


def _run(config: Settings, command: str, name: str) -> int:
    from bot.staff.accounts_cli import run

    return run(command, name, config)


def test_failed_logins_are_limited_per_address_and_name_and_audited(config):
    config = config.replace(login_rate_limit="3/minute")
    AccountBook(db_path(config)).add("王芳", PASSWORD)
    with _client(config) as client:
        for _ in range(3):
            assert client.post("/staff/login", data={"name": "王芳", "password": "guess-guess-guess"}).status_code == 403
        # past the limit even the right password is turned away, without being checked
        limited = client.post("/staff/login", data={"name": "王芳", "password": PASSWORD})
        assert limited.status_code == 429 and "一分钟后" in limited.text and "policybot_staff" not in client.cookies
        # another name from the same address is over the address's limit too
        assert client.post("/staff/login", data={"name": "李明", "password": "guess"}).status_code == 429
    assert [a for _, a, _ in _audited(config, "login")] == ["login.refused"] * 3 + ["login.limited"] * 2


def test_an_account_opens_the_staff_pages_without_a_token(tmp_path):
    config = Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path)  # no POLICYBOT_STAFF_TOKEN
    with _client(config) as client:
        assert client.get("/staff").status_code == 404  # neither token nor account: no staff area
        AccountBook(db_path(config)).add("王芳", PASSWORD)
        assert client.get("/staff").status_code == 401
        assert client.post("/staff/report", headers={"Authorization": "Bearer "}).status_code == 401  # no token to match
        assert client.post("/staff/login", data={"name": "王芳", "password": PASSWORD}).status_code == 200
        assert client.get("/staff/audit").status_code == 200
