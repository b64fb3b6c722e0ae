"""The gateway against the real Rasa and action server: slash commands and nonsense are text, feedback stores
what the bot answered, Rasa's HTTP API wants its token, the REST channel refuses what is not a message, and an
apology given while the action server is down stays in the history."""
from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot import feedback
from bot.serve import start_rasa, wait_healthy
from bot.web import create_app
from channels.apology import APOLOGY
from conftest import port

GREETING = "您好！我是政策问答机器人"  # utter_greet's first words
RASA_NO_ACTIONS, DEAD_ACTIONS = port(15009), port(15997)


def new_session() -> str:
    return f"stack-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def gateway(stack, stack_settings):
    settings = stack_settings.replace(rasa_token=stack.rasa_token, session_rate_limit="1000/minute")
    with TestClient(create_app(settings, stack.rasa_url, stack.actions_url)) as client:
        yield client


def chat(client, session: str, text: str) -> list[dict]:
    reply = client.post("/api/chat", json={"session": session, "message": text})
    assert reply.status_code == 200, reply.text
    return reply.json()["messages"]


def tracker(stack, session: str) -> dict:
    reply = httpx.get(f"{stack.rasa_url}/conversations/{session}/tracker", params={"token": stack.rasa_token}, timeout=30)
    reply.raise_for_status()
    return reply.json()


def test_rasa_http_api_wants_the_token(stack):
    url = f"{stack.rasa_url}/conversations/someone-else/tracker"
    assert httpx.get(url, timeout=30).status_code == 401
    assert httpx.get(url, params={"token": "a guess"}, timeout=30).status_code == 401
    assert httpx.get(url, params={"token": stack.rasa_token}, timeout=30).status_code == 200
    # and no command line shows it (ps): Rasa is given it through its environment
    command_lines = [_command_line(p) for p in Path("/proc").glob("[0-9]*/cmdline")]
    assert any(b"launch_rasa" in line for line in command_lines)
    assert not any(stack.rasa_token.encode() in line for line in command_lines)


def _command_line(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # a process that ended meanwhile
        return b""


def test_the_rest_channel_refuses_what_is_not_a_message(stack):
    webhook = f"{stack.rasa_url}/webhooks/rest/webhook"
    long = httpx.post(webhook, json={"sender": new_session(), "message": "问" * 10_000}, timeout=30)
    assert long.status_code == 413 and "at most 2000" in long.json()["error"]
    for body, says in (({"sender": "x", "message": 123}, "not a number"), ({"sender": "x", "message": None}, "not null"),
                       ({"sender": ["x"], "message": "你好"}, "sender must be"), ([1, 2], "JSON object")):
        reply = httpx.post(webhook, json=body, timeout=30)
        assert reply.status_code == 400 and says in reply.json()["error"], (body, reply.text)
    surrogate = httpx.post(webhook, content=b'{"sender": "x", "message": "\\ud800"}', timeout=30)
    assert surrogate.status_code == 400 and "surrogate" in surrogate.json()["error"]
    assert httpx.post(webhook, json={"sender": new_session(), "message": "问" * 2000}, timeout=120).status_code == 200


def test_slash_commands_from_the_chat_are_text(gateway, stack):
    session = new_session()
    assert any(m["custom"] for m in chat(gateway, session, "怎么办理不动产登记？"))
    for command in ("/restart", "/greet", "/session_start", "/goodbye"):
        replies = chat(gateway, session, command)
        assert replies and not any(GREETING in m["text"] or "再见" in m["text"] for m in replies), (command, replies)
    events = tracker(stack, session)["events"]
    kinds = [e["event"] for e in events]
    assert "restart" not in kinds and kinds.count("session_started") == 1, kinds  # nothing was restarted
    intents = [e["parse_data"]["intent"]["name"] for e in events if e["event"] == "user"]
    assert intents[1:] == ["nlu_fallback"] * 4, intents
    # The conversation goes on about its topic, and the history shows what the citizen typed.
    assert any((m["custom"] or {}).get("answered") for m in chat(gateway, session, "那需要多长时间？"))
    said = [m["text"] for m in gateway.get("/api/history", params={"session": session}).json()["messages"]
            if m["from"] == "user"]
    assert said[1:5] == ["/restart", "/greet", "/session_start", "/goodbye"]


@pytest.mark.parametrize("nonsense", ["123", "qwerty uiop", "／restart", "None", "。。。", "xyz"])
def test_nonsense_goes_to_the_knowledge_base_not_to_goodbye(gateway, stack, nonsense):
    session = new_session()
    replies = chat(gateway, session, nonsense)
    assert replies and not any("再见" in m["text"] or GREETING in m["text"] for m in replies), replies
    assert tracker(stack, session)["latest_message"]["intent"]["name"] == "nlu_fallback"


def test_feedback_stores_the_answer_the_bot_gave(gateway, stack_settings):
    session = new_session()
    (answer,) = chat(gateway, session, "新余为多少家企业建立了信用档案？")
    assert answer["custom"]["citations"] and answer["id"].endswith("-0")
    reply = gateway.post("/api/feedback", json={"session": session, "message_id": answer["id"], "rating": "down",
                                                "comment": "=HYPERLINK(\"http://x\",\"y\")"})
    assert reply.status_code == 200, reply.text
    rows = {r["id"]: r for r in feedback.rows(feedback.db_path(stack_settings))}
    row = rows[reply.json()["id"]]
    assert row["question"] == "新余为多少家企业建立了信用档案？" and row["answer"] == answer["text"]
    assert row["sender"] == session and row["rating"] == "down"
    stored = json.loads(row["citations"])
    assert stored == answer["custom"]["citations"]  # the server's citations, whole
    # An answer of another conversation, or one never given, cannot be rated from this one.
    other = new_session()
    assert gateway.post("/api/feedback", json={"session": other, "message_id": answer["id"],
                                               "rating": "up"}).status_code == 404
    assert gateway.post("/api/feedback", json={"session": session, "message_id": answer["id"][:-1] + "7",
                                               "rating": "up"}).status_code == 404


@pytest.fixture(scope="module")
def rasa_without_actions(rasa_model, make_endpoints, tmp_path_factory):
    folder = tmp_path_factory.mktemp("no-actions")
    # A token may start with "-" (secrets.token_urlsafe makes one in 64 runs): Rasa must still take it as the token.
    proc = start_rasa(rasa_model, port=RASA_NO_ACTIONS, endpoints=make_endpoints(folder, DEAD_ACTIONS),
                      log=folder / "rasa.log", token="-no-actions-token")
    try:
        wait_healthy(f"http://127.0.0.1:{RASA_NO_ACTIONS}/webhooks/rest/", proc, "Rasa", timeout=400)
        yield f"http://127.0.0.1:{RASA_NO_ACTIONS}"
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def test_the_channels_apology_stays_in_the_history(rasa_without_actions, stack_settings, tmp_path):
    settings = stack_settings.replace(rasa_token="-no-actions-token", data_dir=tmp_path)
    session = new_session()
    with TestClient(create_app(settings, rasa_without_actions, f"http://127.0.0.1:{DEAD_ACTIONS}")) as client:
        (apology,) = chat(client, session, "怎么办理不动产登记？")
        assert apology["text"] == APOLOGY
        # Without the action server the gateway still serves the page, with what it cannot show said so.
        assert client.get("/api/welcome").json()["suggestions"] == []
        document = client.get("/api/document", params={"id": "004_7877965d32ecbab8.txt"})
        assert document.status_code == 503 and document.json()["error"] == "知识库暂时不可用，无法打开原文，请稍后再试。"
        health = client.get("/api/health").json()
        assert health["gateway"] == "degraded" and "suggestions and 查看原文 unavailable" in health["details"]["gateway"]
    # A gateway started afresh (a reload, a restart) reads it back from Rasa's tracker.
    with TestClient(create_app(settings, rasa_without_actions, f"http://127.0.0.1:{DEAD_ACTIONS}")) as client:
        history = client.get("/api/history", params={"session": session}).json()["messages"]
    assert [(m["from"], m["text"]) for m in history] == [("user", "怎么办理不动产登记？"), ("bot", APOLOGY)]
    assert history[1]["id"] == apology["id"]
    assert not (tmp_path / "gateway.db").exists() or not sqlite3.connect(tmp_path / "gateway.db").execute(
        "SELECT count(*) FROM own_replies").fetchone()[0]  # Rasa answered: nothing of the gateway's own
