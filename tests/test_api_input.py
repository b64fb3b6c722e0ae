"""The gateway's API refuses what is not a well-formed request, with {"error": …} and a 4xx status, never a 500:
bodies are JSON of the documented shape, no larger than the cap (declared or streamed), sent as
application/json; and the per-address limits apply to the real client behind a trusted proxy only.

The gateway runs in process; Rasa and the knowledge base are absent (a valid message gets the gateway's own
apology, 503), which is all these checks need. With Rasa: tests/test_gateway_stack.py."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from starlette.datastructures import Headers

from bot.client_address import ClientAddress, parse_headers, parse_networks
from bot.web import create_app
from knowledge.config import Settings

DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens there
SESSION = "session-0001"
JSON = {"content-type": "application/json"}


def gateway(tmp_path, peer: str = "testclient", **settings) -> TestClient:
    config = Settings(index_dir=tmp_path / "no-index", data_dir=tmp_path, **{
        "session_rate_limit": "100000/minute", "address_rate_limit": "100000/minute", **settings})
    return TestClient(create_app(config, DEAD, DEAD), client=(peer, 40000), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with gateway(tmp_path_factory.mktemp("gateway")) as c:
        yield c


def _post(client, path: str, raw: bytes | str, headers=JSON):
    return client.post(path, content=raw, headers=headers)


@pytest.mark.parametrize("raw, says", [
    ('{"session": "session-0001", "message": "\\ud800"}', "JSON"),  # a lone surrogate is not text
    # Nested 30,000 deep, under the 64 KB cap (100,000 deep is 200 KB: 413, below).
    ('{"session": "session-0001", "message": ' + "[" * 30_000 + "]" * 30_000 + "}", "JSON"),
    ("[" * 60_000, "JSON"),
    ('{"session": "session-0001", "message": 123}', "message must be a JSON string, not a number"),
    ('{"session": "session-0001", "message": null}', "message must be a JSON string, not null"),
    ('{"session": "session-0001", "message": ["问"]}', "not an array"),
    ('{"session": "session-0001"}', "缺少 message"),
    ('{"session": "session-0001\\n", "message": "你好"}', "会话编号无效"),  # $ would have let it through
    ('{"session": "短", "message": "你好"}', "会话编号无效"),
    ('{"session": "session-0001", "message": "   "}', "请输入问题"),
    ('{"session": "session-0001", "message": "你\\u0000好"}', "控制字符"),
    ('{"session": "session-0001", "message": "你好", "sender": "x"}', "不认识的字段 sender"),
    ('"你好"', "JSON 对象"),
    ("not json", "JSON"),
])
def test_malformed_chat_bodies_are_400_with_a_reason(client, raw, says):
    reply = _post(client, "/api/chat", raw)
    assert reply.status_code == 400, reply.text
    assert says in reply.json()["error"]


def test_only_json_is_read(client):
    body = json.dumps({"session": SESSION, "message": "你好"})
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "",
                 "application/json; charset=gbk"):
        reply = _post(client, "/api/chat", body, {"content-type": kind} if kind else {})
        assert reply.status_code == 415 and "application/json" in reply.json()["error"], (kind, reply.text)
    assert _post(client, "/api/chat", body, {"content-type": "application/json; charset=UTF-8"}).status_code == 503


def test_bodies_over_the_cap_are_refused_declared_or_streamed(client):
    big = json.dumps({"session": SESSION, "message": "问" * 30_000})  # 90 KB
    declared = _post(client, "/api/chat", big)
    assert declared.status_code == 413 and "64 KB" in declared.json()["error"]
    deep = _post(client, "/api/chat", '{"session": "session-0001", "message": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert deep.status_code == 413

    def chunks():  # no Content-Length: sent chunked, counted as it arrives
        yield b'{"session": "session-0001", "message": "'
        for _ in range(200):
            yield b"x" * 1000
        yield b'"}'

    streamed = client.post("/api/chat", content=chunks(), headers=JSON)
    assert streamed.status_code == 413 and "error" in streamed.json()
    assert streamed.headers["x-content-type-options"] == "nosniff"  # a refusal is still one of our responses
    feedback = _post(client, "/api/feedback", json.dumps({"session": SESSION, "message_id": "0" * 32 + "-0",
                                                           "rating": "up", "comment": "x" * 70_000}))
    assert feedback.status_code == 413


def test_the_cap_is_a_setting(tmp_path):
    with gateway(tmp_path, max_body_bytes=100) as small:
        reply = _post(small, "/api/chat", json.dumps({"session": SESSION, "message": "问" * 40}))
    assert reply.status_code == 413 and "100 bytes" in reply.json()["error"]


def test_a_long_message_and_a_long_comment_are_413(client):
    long = _post(client, "/api/chat", json.dumps({"session": SESSION, "message": "问" * 501}))
    assert long.status_code == 413 and "500" in long.json()["error"]
    comment = _post(client, "/api/feedback", json.dumps({"session": SESSION, "message_id": "a" * 32 + "-0",
                                                          "rating": "down", "comment": "意" * 501}))
    assert comment.status_code == 413 and "500" in comment.json()["error"]


@pytest.mark.parametrize("body, says", [
    ({"session": SESSION, "rating": "up", "message_id": "a" * 32 + "-0", "answer": "编造的回答"}, "不认识的字段 answer"),
    ({"session": SESSION, "rating": "up", "message_id": "a" * 32 + "-0", "citations": [[1, 2]]}, "不认识的字段 citations"),
    ({"session": SESSION, "rating": "meh", "message_id": "a" * 32 + "-0"}, "rating"),
    ({"session": SESSION, "rating": "up", "message_id": "../../etc"}, "message_id"),
    ({"session": SESSION, "rating": "up"}, "缺少 message_id"),
    ({"session": SESSION, "rating": "up", "message_id": "a" * 32 + "-0", "comment": 5}, "comment must be a JSON string"),
])
def test_feedback_takes_only_a_rating_of_an_answer_by_its_id(client, body, says):
    reply = _post(client, "/api/feedback", json.dumps(body))
    assert reply.status_code == 400 and says in reply.json()["error"], reply.text


def test_feedback_needs_the_tracker_to_know_the_answer(client):
    """Without Rasa the gateway cannot look the answer up, so it stores nothing it cannot vouch for."""
    reply = _post(client, "/api/feedback", json.dumps({"session": SESSION, "message_id": "a" * 32 + "-0",
                                                        "rating": "up"}))
    assert reply.status_code == 503 and reply.json()["unavailable"] is True


def test_query_errors_and_unknown_routes_are_json_errors(client):
    assert client.get("/api/history").json() == {"error": "缺少 session（session is required）。"}
    bad = client.get("/api/history", params={"session": SESSION + "\n"})
    assert bad.status_code == 400 and "会话编号无效" in bad.json()["error"]
    assert client.get("/api/nothing-here").json() == {"error": "Not Found"}
    wrong = client.put("/api/chat")
    assert wrong.status_code == 405 and wrong.json() == {"error": "Method Not Allowed"} and "allow" in wrong.headers


# --- real client addresses --------------------------------------------------------------------------------


def test_forwarded_chains_are_read_right_to_left_skipping_trusted_proxies():
    resolver = ClientAddress(parse_networks("10.0.0.0/8, ::1"))
    of = lambda peer, **h: resolver.of(peer, Headers({k.replace("_", "-"): v for k, v in h.items()}))  # noqa: E731
    assert of("10.0.0.1", x_forwarded_for="203.0.113.9") == "203.0.113.9"
    # The client wrote 1.2.3.4 itself; the proxies appended what they saw: the right-most untrusted is the client.
    assert of("10.0.0.1", x_forwarded_for="1.2.3.4, 203.0.113.9, 10.0.0.7") == "203.0.113.9"
    assert of("10.0.0.1", forwarded='for=1.2.3.4, for="[2001:db8::17]:4711";proto=https') == "2001:db8::17"
    assert of("10.0.0.1", forwarded="for=198.51.100.2:5000;by=10.0.0.1") == "198.51.100.2"
    assert of("::1", x_real_ip="198.51.100.3") == "198.51.100.3"
    assert of("::ffff:10.0.0.1", x_forwarded_for="198.51.100.4") == "198.51.100.4"  # IPv4 on an IPv6 socket
    assert of("10.0.0.1") == "10.0.0.1"  # a trusted proxy that says nothing is the client as far as we know
    assert of("10.0.0.1", x_forwarded_for="10.0.0.5, 10.0.0.6") == "10.0.0.5"
    assert of("10.0.0.1", x_forwarded_for="garbage, 10.0.0.6") == "10.0.0.6"  # nothing believed past garbage
    assert of("203.0.113.50", x_forwarded_for="1.2.3.4", x_real_ip="1.2.3.4") == "203.0.113.50"  # not trusted
    only_xff = ClientAddress(parse_networks("10.0.0.1"), parse_headers("x-forwarded-for"))
    assert only_xff.of("10.0.0.1", Headers({"forwarded": "for=1.1.1.1", "x-forwarded-for": "2.2.2.2"})) == "2.2.2.2"


def test_bad_proxy_settings_are_named():
    with pytest.raises(ValueError, match=r"POLICYBOT_TRUSTED_PROXIES: 'proxy\.local' is not an IP address or CIDR"):
        parse_networks("10.0.0.1, proxy.local")
    with pytest.raises(ValueError, match="POLICYBOT_PROXY_HEADERS: x-client-ip not known"):
        parse_headers("x-client-ip")


def _chat(client, session: str, **headers):
    headers = {name.replace("_", "-"): value for name, value in headers.items()}
    return client.post("/api/chat", json={"session": session, "message": "你好"}, headers=headers).status_code


def test_clients_behind_a_trusted_proxy_are_limited_each_on_their_own(tmp_path):
    with gateway(tmp_path, peer="10.0.0.1", trusted_proxies="10.0.0.1", address_rate_limit="3/minute") as proxy:
        # Ten citizens behind one proxy, three messages each: 30 from one peer, none over its own limit.
        codes = [_chat(proxy, f"citizen-{n:04d}", x_forwarded_for=f"198.51.100.{n}")
                 for n in range(10) for _ in range(3)]
        assert 429 not in codes and set(codes) == {503}  # answered (by the apology: no Rasa here)
        # One of them sending a fourth is limited, and only that one.
        assert _chat(proxy, "citizen-0000", x_forwarded_for="198.51.100.0") == 429
        assert _chat(proxy, "citizen-0011", x_forwarded_for="198.51.100.11") == 503


def test_a_forged_header_from_an_untrusted_peer_changes_nothing(tmp_path):
    with gateway(tmp_path, peer="203.0.113.50", trusted_proxies="10.0.0.1", address_rate_limit="3/minute") as direct:
        codes = [_chat(direct, f"forger-{n:04d}", x_forwarded_for=f"198.51.100.{n}", x_real_ip=f"198.51.100.{n}",
                       forwarded=f"for=198.51.100.{n}") for n in range(5)]
    assert codes == [503, 503, 503, 429, 429]  # one address, whatever the headers say
