"""/api/health on a real gateway whose parts are missing: each part's state, why, and the HTTP status the chat
page goes by. (With every part up, and with each killed in turn: tests/test_resilience.py.)"""
from __future__ import annotations

import json

import httpx

from bot.serve import start_web, wait_healthy
from conftest import port
from knowledge.config import Settings


def test_health_says_which_part_is_down_and_why(tmp_path):
    gateway_port, rasa_port, actions_port = port(18410), port(15410), port(15460)
    state = tmp_path / "supervisor.json"
    state.write_text(json.dumps({"children": {
        "rasa": {"status": "waiting", "note": "killed by SIGKILL; restarting in 2 s"},
        "actions": {"status": "failed", "note": "stopped 5 times within 300 s; not restarted again. See var/log/"
                                                "actions.log, fix the cause, then restart policybot"}}}))
    # No index: the gateway serves the chat without suggestions or documents.
    settings = Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path, web_port=gateway_port)
    proc = start_web(settings, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}",
                     tmp_path / "gateway.log", supervisor_state=state)
    try:
        wait_healthy(f"http://127.0.0.1:{gateway_port}/", proc, "the web gateway", timeout=120)
        reply = httpx.get(f"http://127.0.0.1:{gateway_port}/api/health", timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert reply.status_code == 503  # the chat page shows 服务暂时不可用
    body = reply.json()
    assert {k: body[k] for k in ("status", "gateway", "rasa", "actions")} == {
        "status": "down", "gateway": "degraded", "rasa": "down", "actions": "down"}
    assert "no knowledge base" in body["details"]["gateway"]
    assert f"127.0.0.1:{rasa_port}" in body["details"]["rasa"] and "restarting in 2 s" in body["details"]["rasa"]
    assert "fix the cause" in body["details"]["actions"]
