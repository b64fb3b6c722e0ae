"""The WeChat Official Account channel (channels/wechat.py) in the real Rasa of the test stack, with this test
playing WeChat's server: signed XML posts, plain and encrypted (safe mode), the passive replies read back, retries,
and a local stub of WeChat's customer-service API for answers that miss the reply deadline. Then the text
formatting and splitting on their own (channels/wechat_text.py)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings as hypothesis_settings, strategies as st

from channels.wechat_text import MAX_BYTES, document_link, pieces_for_wechat, reply_text, split, utf8_len
from conftest import WECHAT_ACCOUNT, WECHAT_API_PORT, WECHAT_TIGHT_ACCOUNT
from knowledge.config import PROJECT_ROOT
from knowledge.text.script import to_simplified

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
REFUSES_45015 = "o45015" + "x" * 22  # the stub's user who last wrote over 48 hours ago


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


@dataclass
class Reply:
    status: int
    body: str

    @property
    def xml(self) -> dict[str, str]:
        return {child.tag: child.text or "" for child in ET.fromstring(self.body)}


class WeChatServer:
    """What WeChat's server sends to an account's server address, written from WeChat's documentation (消息加解密
    说明) rather than with wechatpy, so that the channel is held to the protocol, not to the library it uses."""

    def __init__(self, url: str, account: dict) -> None:
        self.url, self.token, self.app_id = url, account["token"], account["app_id"]
        self.key = base64.b64decode(account["encoding_aes_key"] + "=")

    def _query(self, timestamp: int | None, signature: str | None) -> dict[str, str]:
        timestamp_s, nonce = str(int(time.time()) if timestamp is None else timestamp), uuid.uuid4().hex[:10]
        return {"timestamp": timestamp_s, "nonce": nonce,
                "signature": signature or _sha1(self.token, timestamp_s, nonce), "openid": "ignored"}

    def verify(self, echostr: str, signature: str | None = None) -> Reply:
        reply = httpx.get(self.url, params={**self._query(None, signature), "echostr": echostr}, timeout=30)
        return Reply(reply.status_code, reply.text)

    def post(self, inner: str, encrypted: bool = False, timestamp: int | None = None, signature: str | None = None,
             msg_signature: str | None = None, key: bytes | None = None) -> Reply:
        query = self._query(timestamp, signature)
        body = inner
        if encrypted:
            encrypt = self.encrypt(inner, key or self.key)
            query.update(encrypt_type="aes",
                         msg_signature=msg_signature or _sha1(self.token, query["timestamp"], query["nonce"], encrypt))
            body = f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        reply = httpx.post(self.url, params=query, content=body.encode("utf-8"), timeout=30,
                           headers={"Content-Type": "text/xml"})
        if encrypted and reply.status_code == 200 and reply.text != "success":
            return Reply(200, self.decrypted_reply(reply.text, query))
        return Reply(reply.status_code, reply.text)

    def text(self, openid: str, content: str, msg_id: int | None = None, **how) -> Reply:
        return self.post(message(openid, "text", f"<Content><![CDATA[{content}]]></Content>", msg_id), **how)

    def encrypt(self, xml: str, key: bytes) -> str:
        raw = xml.encode("utf-8")
        plain = os.urandom(16) + struct.pack(">I", len(raw)) + raw + self.app_id.encode()
        pad = 32 - len(plain) % 32
        encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain + bytes([pad]) * pad) + encryptor.finalize()).decode()

    def decrypted_reply(self, body: str, query: dict[str, str]) -> str:
        outer = {child.tag: child.text or "" for child in ET.fromstring(body)}
        assert outer["MsgSignature"] == _sha1(self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"])
        assert outer["Nonce"] == query["nonce"]
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(base64.b64decode(outer["Encrypt"])) + decryptor.finalize()
        plain = plain[:-plain[-1]]
        length = struct.unpack(">I", plain[16:20])[0]
        assert plain[20 + length:].decode() == self.app_id  # the reply names the account it is for
        return plain[20:20 + length].decode("utf-8")


_msg_ids = iter(range(int(time.time() * 1000), 2 ** 63))


def message(openid: str, kind: str, fields: str, msg_id: int | None = None, create_time: int | None = None) -> str:
    msg_id = next(_msg_ids) if msg_id is None else msg_id
    return (f"<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{create_time or int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
            f"{fields}" + (f"<MsgId>{msg_id}</MsgId>" if kind != "event" else "") + "</xml>")


def new_user() -> str:
    return "o" + uuid.uuid4().hex[:27]  # an OpenID is 28 characters


@pytest.fixture(scope="module")
def wechat(stack) -> WeChatServer:
    return WeChatServer(f"{stack.rasa_url}/webhooks/wechat/webhook", WECHAT_ACCOUNT)


@pytest.fixture(scope="module")
def wechat_tight(stack) -> WeChatServer:
    return WeChatServer(f"{stack.rasa_url}/webhooks/wechat_tight/webhook", WECHAT_TIGHT_ACCOUNT)


class CustomerServiceStub(ThreadingHTTPServer):
    """WeChat's API as far as the channel uses it: an access token, and customer-service messages, recorded."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", WECHAT_API_PORT), _StubHandler)
        self.sent: list[dict] = []
        self.token_requests: list[dict] = []

    def sent_to(self, openid: str) -> list[dict]:
        return [m for m in self.sent if m.get("touser") == openid]


class _StubHandler(BaseHTTPRequestHandler):
    server: CustomerServiceStub

    def _json(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/cgi-bin/token":
            self.server.token_requests.append({k: v[0] for k, v in parse_qs(url.query).items()})
            return self._json({"access_token": "stub-token", "expires_in": 7200})
        self._json({"errcode": 40004, "errmsg": "not in the stub"})

    def do_POST(self):
        url = urlsplit(self.path)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if url.path != "/cgi-bin/message/custom/send" or parse_qs(url.query).get("access_token") != ["stub-token"]:
            return self._json({"errcode": 40001, "errmsg": "invalid credential"})
        if body.get("touser") == REFUSES_45015:
            return self._json({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
        self.server.sent.append(body)
        self._json({"errcode": 0, "errmsg": "ok"})

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def customer_service():
    stub = CustomerServiceStub()
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    yield stub
    stub.shutdown()
    stub.server_close()


def user_turns(stack, openid: str) -> list[str]:
    reply = httpx.get(f"{stack.rasa_url}/conversations/wechat:{openid}/tracker", params={"token": stack.rasa_token},
                      timeout=30)
    reply.raise_for_status()
    return [e.get("text") for e in reply.json()["events"] if e["event"] == "user"]


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s")


# --- the running channel ----------------------------------------------------------------------------------------

def test_server_verification_echoes_echostr_and_refuses_a_forged_one(wechat):
    assert wechat.verify("4815162342") == Reply(200, "4815162342")
    forged = wechat.verify("4815162342", signature="0" * 40)
    assert forged.status == 403 and "4815162342" not in forged.body


def test_text_answered_with_a_passive_reply_citing_its_sources(wechat, stack):
    openid = new_user()
    reply = wechat.text(openid, "吉阳区设置了几个综合受理窗口？")
    assert reply.status == 200
    xml = reply.xml
    assert (xml["ToUserName"], xml["FromUserName"], xml["MsgType"]) == (openid, "gh_test", "text")
    content = xml["Content"]
    assert "6个" in content and "[1]" in content and "来源：" in content, content
    assert utf8_len(content) <= MAX_BYTES
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "wechat-reply.txt").write_text(content, encoding="utf-8")  # what a follower reads
    # Each source a link to the chat page's document view, its span inside the cited document.
    link = next(line for line in content.splitlines() if line.startswith(WECHAT_ACCOUNT["public_url"]))
    params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    doc = httpx.get(f"{stack.actions_url}/knowledge/document", params={"id": params["doc"]}, timeout=30).json()
    cited = doc["text"][int(params["start"]):int(params["end"])]
    assert "综合受理窗口" in to_simplified(cited), cited  # the original's script: traditional, for this document
    assert doc["title"][:10] in content  # the source's title, before its link
    assert user_turns(stack, openid) == ["吉阳区设置了几个综合受理窗口？"]


def test_safe_mode_message_decrypted_and_answered_encrypted(wechat):
    openid = new_user()
    reply = wechat.text(openid, "怎么办理不动产登记？", encrypted=True)
    assert reply.status == 200
    xml = reply.xml  # decrypted by the simulated server, its signature and app id checked
    assert xml["ToUserName"] == openid and "登记" in xml["Content"] and "[1]" in xml["Content"]


def test_answers_come_back_as_passive_replies_well_within_the_deadline(wechat):
    """What a follower waits, measured (test-artifacts/wechat-reply-times.json): each answer a passive reply."""
    questions = ["怎么办理不动产登记？", "吉阳区设置了几个综合受理窗口？", "新余为多少家企业建立了信用档案？",
                 "临川区建设的是哪五型政府？", "社保卡丢了怎么补办？"] * 2
    times = []
    for q in questions:
        started = time.perf_counter()
        reply = wechat.text(new_user(), q)
        times.append(time.perf_counter() - started)
        assert reply.xml["MsgType"] == "text" and reply.xml["Content"], q
    times.sort()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "wechat-reply-times.json").write_text(json.dumps(
        {"questions": len(times), "median_s": round(times[len(times) // 2], 3), "max_s": round(times[-1], 3),
         "deadline_s": WECHAT_ACCOUNT["reply_deadline_s"], "load_average": os.getloadavg()[0]}, indent=1))
    assert times[-1] < WECHAT_ACCOUNT["reply_deadline_s"]


def test_follow_up_answered_in_the_context_of_the_same_user(wechat, stack):
    openid, other = new_user(), new_user()
    assert "登记" in wechat.text(openid, "怎么办理不动产登记？").xml["Content"]
    # Another user's question in between is theirs: the first user's follow-up keeps its own topic.
    assert "6个" in wechat.text(other, "吉阳区设置了几个综合受理窗口？").xml["Content"]
    follow_up = wechat.text(openid, "那需要多长时间？").xml["Content"]
    assert "工作日" in follow_up, follow_up
    assert user_turns(stack, openid) == ["怎么办理不动产登记？", "那需要多长时间？"]
    assert user_turns(stack, other) == ["吉阳区设置了几个综合受理窗口？"]


def test_retries_get_the_same_reply_and_the_question_is_answered_once(wechat, stack):
    openid, msg_id = new_user(), next(_msg_ids)
    # WeChat's retries come 5 s apart; here also at once, while the first is still being answered.
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: wechat.text(openid, "新余为多少家企业建立了信用档案？", msg_id), range(3)))
    again = wechat.text(openid, "新余为多少家企业建立了信用档案？", msg_id)
    contents = {r.xml["Content"] for r in replies + [again]}
    assert len(contents) == 1 and "[1]" in contents.pop()
    assert user_turns(stack, openid) == ["新余为多少家企业建立了信用档案？"]


def test_forged_signatures_and_undecryptable_messages_refused(wechat, stack):
    openid = new_user()
    assert wechat.text(openid, "怎么办理不动产登记？", signature="f" * 40).status == 403
    assert wechat.text(openid, "怎么办理不动产登记？", encrypted=True, msg_signature="e" * 40).status == 403
    # Signed right, but encrypted with another key: does not decrypt.
    assert wechat.text(openid, "怎么办理不动产登记？", encrypted=True, key=bytes(range(1, 33))).status == 403
    # Another account's token signs nothing for this one.
    other = WeChatServer(wechat.url, {**WECHAT_ACCOUNT, "token": "someone-else"})
    assert other.text(openid, "怎么办理不动产登记？").status == 403
    assert httpx.post(wechat.url, content=b"<xml/>", timeout=30).status_code == 403  # no signature at all
    assert user_turns(stack, openid) == []


def test_replayed_and_future_timestamps_refused(wechat, stack):
    openid, now = new_user(), int(time.time())
    refused = wechat.text(openid, "怎么办理不动产登记？", timestamp=now - 301)
    assert refused.status == 403 and "replay" in refused.body
    assert wechat.text(openid, "怎么办理不动产登记？", timestamp=now + 400).status == 403
    assert wechat.text(openid, "怎么办理不动产登记？", timestamp=now - 200).status == 200  # within 5 minutes
    assert user_turns(stack, openid) == ["怎么办理不动产登记？"]


def test_slow_answer_replied_success_then_sent_through_the_customer_service_api(wechat_tight, customer_service, stack):
    openid, msg_id = new_user(), next(_msg_ids)
    first = wechat_tight.text(openid, "吉阳区设置了几个综合受理窗口？", msg_id)
    assert first == Reply(200, "success")
    sent = wait_for(lambda: customer_service.sent_to(openid))
    assert sent[0]["msgtype"] == "text" and "6个" in sent[0]["text"]["content"] and "来源：" in sent[0]["text"]["content"]
    assert customer_service.token_requests[-1]["appid"] == WECHAT_TIGHT_ACCOUNT["app_id"]
    # WeChat's retry after the answer went out: "success", not the answer a second time, not a second question.
    assert wechat_tight.text(openid, "吉阳区设置了几个综合受理窗口？", msg_id) == Reply(200, "success")
    time.sleep(1)
    assert len(customer_service.sent_to(openid)) == 1
    assert user_turns(stack, openid) == ["吉阳区设置了几个综合受理窗口？"]


def test_customer_service_refusal_is_logged_with_its_meaning(wechat_tight, customer_service, stack):
    assert wechat_tight.text(REFUSES_45015, "怎么办理不动产登记？") == Reply(200, "success")
    log = stack.log_dir / "rasa.log"
    line = wait_for(lambda: next((l for l in log.read_text(encoding="utf-8", errors="replace").splitlines()
                                  if "errcode 45015" in l and REFUSES_45015 in l), None), timeout=60)
    assert "48 hours" in line


def test_subscribe_gets_a_welcome_with_the_knowledge_base_examples(wechat, stack):
    openid = new_user()
    reply = wechat.post(message(openid, "event", "<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[]]></EventKey>"))
    content = reply.xml["Content"]
    suggestions = httpx.get(f"{stack.actions_url}/knowledge/suggestions", timeout=30).json()["suggestions"]
    assert "政策问答助手" in content and suggestions and suggestions[0] in content, (content, suggestions)
    # Scanning the account's QR code to follow is a subscription too.
    scanned = wechat.post(message(new_user(), "event", "<Event><![CDATA[subscribe]]></Event>"
                                                       "<EventKey><![CDATA[qrscene_123]]></EventKey><Ticket>t</Ticket>"))
    assert "政策问答助手" in scanned.xml["Content"]
    unsubscribed = wechat.post(message(openid, "event", "<Event><![CDATA[unsubscribe]]></Event>"))
    assert unsubscribed == Reply(200, "success")


def test_non_text_messages_asked_for_text_in_the_users_script(wechat, stack):
    openid = new_user()
    image = wechat.post(message(openid, "image", "<PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId>m</MediaId>"))
    assert "请用文字提问" in image.xml["Content"]
    location = wechat.post(message(openid, "location", "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y>"
                                                       "<Scale>20</Scale><Label><![CDATA[广州]]></Label>"))
    assert "请用文字提问" in location.xml["Content"]
    assert "[1]" in wechat.text(openid, "怎麼辦理不動產登記？").xml["Content"]  # a question in traditional
    voice = wechat.post(message(openid, "voice", "<MediaId>m</MediaId><Format>amr</Format>"))
    assert "請用文字提問" in voice.xml["Content"]


def test_voice_with_speech_recognition_is_answered_as_text(wechat, stack):
    openid = new_user()
    voice = wechat.post(message(openid, "voice", "<MediaId>m</MediaId><Format>amr</Format>"
                                                 "<Recognition><![CDATA[吉阳区设置了几个综合受理窗口？]]></Recognition>"))
    assert "6个" in voice.xml["Content"]


def test_a_command_typed_in_wechat_is_text_not_an_intent(wechat, stack):
    openid = new_user()
    wechat.text(openid, "怎么办理不动产登记？")
    wechat.text(openid, "/restart")
    turns = user_turns(stack, openid)
    assert turns[-1] == "\u200b/restart" and len(turns) == 2  # the conversation was not restarted


# --- formatting and length, on their own ------------------------------------------------------------------------

ANSWER = {"text": "设置综合受理窗口6个,……[1] 一般登记5个工作日。[2]",
          "custom": {"question": "q", "citations": [
              {"n": 1, "doc_id": "003_bcdb5700d7b60944.txt", "title": "从“揭榜挂帅”到“赛马争先”!三亚吉阳区全力推进这“两项活动”",
               "date": "2022-05-23", "start": 1530, "end": 1615},
              {"n": 2, "doc_id": "000 a&b.txt", "title": "临川“五型”政府建设在线访谈", "date": "", "start": 6, "end": 9}],
              "related": []}}


def test_sources_listed_with_title_date_and_a_link_to_the_span():
    text = reply_text([ANSWER], "https://bot.example.cn/")
    assert text.startswith(ANSWER["text"] + "\n\n来源：\n[1] 从“揭榜挂帅”到“赛马争先”!三亚吉阳区全力推进这“两项活动”（2022-05-23）\n")
    assert "https://bot.example.cn/?doc=003_bcdb5700d7b60944.txt&start=1530&end=1615" in text
    assert "[2] 临川“五型”政府建设在线访谈\nhttps://bot.example.cn/?doc=000+a%26b.txt&start=6&end=9" in text
    assert "http" not in reply_text([ANSWER])  # no public address: titles and dates only


def test_a_curated_entry_is_listed_without_a_link():
    """Its answer is the reply's text; the document view knows no "faq:" id, so a link would open nothing."""
    curated = {"text": "周六上午照常办公。[1]", "custom": {"question": "q", "related": [], "citations": [
        {"n": 1, "doc_id": "faq:3", "kind": "faq", "title": "常见问题 · 吉阳区", "date": "2026-12-01", "start": 0, "end": 8},
        {**ANSWER["custom"]["citations"][0], "n": 2}]}}
    text = reply_text([curated], "https://bot.example.cn/")
    assert "[1] 常见问题 · 吉阳区（2026-12-01）\n[2]" in text and "doc=faq" not in text
    assert "https://bot.example.cn/?doc=003_bcdb5700d7b60944.txt&start=1530&end=1615" in text


def test_related_passages_and_traditional_labels():
    related = {"text": "文件中沒有說明登記費的具體金額。", "custom": {"question": "登記費是多少？", "citations": [], "related": [
        {"n": 1, "doc_id": "d.txt", "title": "臨川", "date": "2020-01-01", "text": "一般登记5个工作日" * 20}]}}
    text = reply_text([related])
    assert "相關內容：\n1. 一般登记5个工作日" in text and "…\n—— 臨川（2020-01-01）" in text
    assert len(text) < 200  # the passage shortened


def test_a_long_answer_is_split_at_sentence_ends_within_the_limit():
    long = {"text": "。".join(f"第{i}条措施包括优化营商环境和压缩办结时限[{i % 3 + 1}]" for i in range(120)) + "。",
            "custom": ANSWER["custom"]}
    pieces = pieces_for_wechat([long], "https://bot.example.cn")
    assert len(pieces) >= 3 and all(utf8_len(p) <= MAX_BYTES for p in pieces)
    assert "".join(pieces) == reply_text([long], "https://bot.example.cn")
    # Each piece but the last ends a sentence, its [n] marker with it (or a line).
    assert all(p.endswith(("。", "]", "\n")) for p in pieces[:-1]), [p[-5:] for p in pieces]
    assert all(not p.startswith("[") or p.startswith("[1] ") for p in pieces[1:])


def test_document_link_escapes_the_id():
    assert document_link("https://x.cn/", "a b/c&d.txt", 1, 2) == "https://x.cn/?doc=a+b%2Fc%26d.txt&start=1&end=2"


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=3000), st.integers(4, 2048))
def test_split_pieces_fit_and_lose_nothing(text, limit):
    pieces = split(text, limit)
    assert "".join(pieces) == text
    assert all(0 < utf8_len(p) <= limit for p in pieces)
    assert (len(pieces) == 1) == (0 < utf8_len(text) <= limit)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["登记", "5个工作日", "。", "，", "\n", "\n\n", "[1]", "😀", "a", " "]), max_size=2000),
       st.integers(16, 400))
def test_split_of_chinese_prose_cuts_at_breaks(parts, limit):
    text = "".join(parts)
    pieces = split(text, limit)
    assert "".join(pieces) == text and all(utf8_len(p) <= limit for p in pieces)
    for piece, following in zip(pieces, pieces[1:]):
        # A piece cut inside a run without any break is the only one that may end mid-sentence.
        head = piece[len(piece) // 4 + 1:]
        if any(mark in head for mark in "\n。，"):
            assert piece.endswith(("\n", "。", "，", "]")), (piece[-10:], following[:10])
