"""A WeChat Official Account (公众号) as a Rasa input channel: `/webhooks/wechat/webhook` is the server address
configured in the account (公众号后台 > 设置与开发 > 基本配置 > 服务器配置).

- GET with signature, timestamp, nonce and echostr: WeChat's check of the address; echostr is sent back.
- POST: a message (plain, or encrypted in safe mode, `encrypt_type=aes`). A text is answered with a passive XML
  text reply: the answer with its [n] markers and a numbered list of its sources (channels/wechat_text.py),
  within reply_deadline_s, else "success" and the answer later through the customer-service API
  (channels/wechat_delivery.py, channels/wechat_api.py). A subscribe event gets a welcome with example
  questions, other messages and events a request to ask in text.
- Refused (403) before anything is parsed: a wrong signature, or a timestamp more than 5 minutes from now (a
  replayed request); in safe mode, a message that does not decrypt (wrong msg_signature, key or app id).

The conversation of a WeChat user is the tracker `wechat:<OpenID>`: the OpenID is the sender WeChat names, the
prefix keeps it apart from the web chat's session ids (which cannot hold ":"), so no web client can read it.

Configuration: credentials.yml, each value falling back to an environment variable (ENVIRONMENT below), so that
the account's secrets stay out of git.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, fields
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.events import BaseEvent, SubscribeEvent, SubscribeScanEvent
from wechatpy.messages import BaseMessage, TextMessage, VoiceMessage
from wechatpy.replies import TextReply
from wechatpy.utils import check_signature

from bot.chat_text import to_rasa
from channels.apology import APOLOGY
from channels.rest_apology import keep_apology_in_tracker
from channels.wechat_api import WECHAT_API, CustomerService
from channels.wechat_delivery import Deliveries
from channels.wechat_text import MAX_BYTES, split, pieces_for_wechat
from knowledge.text.script import is_traditional, to_traditional

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024  # a WeChat message is a few hundred bytes
SENDER_PREFIX = "wechat:"
EXAMPLES = ["怎么办理不动产登记？", "吉阳区设置了几个综合受理窗口？", "新余为多少家企业建立了信用档案？"]
WELCOME = "您好！我是政策问答助手，回答关于本地政府政策文件的问题，每个回答都注明出处。直接发文字提问即可，例如："
TEXT_ONLY = "抱歉，暂时只能看懂文字消息，请用文字提问。"
SUGGESTIONS_TIMEOUT_S = 1.5  # the welcome is a passive reply too: a slow action server costs the examples only

# credentials.yml key -> the environment variable it falls back to.
ENVIRONMENT = {"token": "POLICYBOT_WECHAT_TOKEN", "app_id": "POLICYBOT_WECHAT_APP_ID",
               "app_secret": "POLICYBOT_WECHAT_APP_SECRET", "encoding_aes_key": "POLICYBOT_WECHAT_AES_KEY",
               "public_url": "POLICYBOT_PUBLIC_URL"}


@dataclass(frozen=True)
class WeChatAccount:
    token: str = ""  # 令牌 (Token), as in the account's server configuration
    app_id: str = ""  # 开发者ID (AppID)
    app_secret: str = ""  # 开发者密码 (AppSecret): the customer-service API's access token
    encoding_aes_key: str = ""  # 消息加解密密钥 (EncodingAESKey), 43 characters: safe mode; empty: plain mode only
    public_url: str = ""  # the chat page's public address: sources become links to the document view
    reply_deadline_s: float = 4.0  # WeChat gives up at 5 s: the passive reply must be on its way before
    api_base_url: str = WECHAT_API  # the customer-service API (a test points it at a local stub)
    knowledge_url: str = ""  # the action server's knowledge API; empty: beside Rasa's action endpoint
    max_age_s: float = 300.0  # a request whose timestamp is further from now is refused as a replay
    max_message_chars: int = 2000  # as the REST channel's

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None, where: str) -> "WeChatAccount":
        given = dict(credentials or {})
        unknown = set(given) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"{where}: unknown setting(s) {sorted(unknown)}; known: {[f.name for f in fields(cls)]}")
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = given.get(f.name)
            if value in (None, "") and f.name in ENVIRONMENT:
                value = os.environ.get(ENVIRONMENT[f.name], "")
            if value in (None, ""):
                continue
            try:
                values[f.name] = type(f.default)(value)
            except (TypeError, ValueError):
                raise ValueError(f"{where}: {f.name} must be a {type(f.default).__name__}, not {value!r}") from None
        account = cls(**values)
        if not 0 < account.reply_deadline_s < 5:
            raise ValueError(f"{where}: reply_deadline_s must be between 0 and 5 seconds (WeChat waits 5), "
                             f"not {account.reply_deadline_s}")
        if account.encoding_aes_key:
            try:
                WeChatCrypto(account.token, account.encoding_aes_key, account.app_id)
            except Exception:  # wechatpy asserts a 32-byte key; any other error is the same mistake
                raise ValueError(f"{where}: encoding_aes_key must be the account's 43-character EncodingAESKey "
                                 f"(消息加解密密钥), not one of {len(account.encoding_aes_key)} characters") from None
        return account


class WeChatInput(InputChannel):
    def __init__(self, account: WeChatAccount) -> None:
        self.account = account
        self.crypto = (WeChatCrypto(account.token, account.encoding_aes_key, account.app_id)
                       if account.encoding_aes_key else None)
        self.customer_service = CustomerService(account.app_id, account.app_secret, account.api_base_url)
        self.deliveries = Deliveries(self.customer_service.send_text, account.reply_deadline_s)

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "WeChatInput":
        account = WeChatAccount.from_credentials(credentials, f"credentials.yml: {cls.__module__}.{cls.__name__}")
        if not account.token:
            log.warning("WeChat channel %s: no token (credentials.yml or %s): its webhook refuses every request "
                        "until one is configured", cls.name(), ENVIRONMENT["token"])
        return cls(account)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.get("/")
        async def health(_: Request):
            return response.json({"status": "ok", "configured": bool(self.account.token),
                                  "safe_mode": self.crypto is not None})

        @webhook.get("/webhook")
        async def verify(request: Request):
            refused = self.refusal(request)
            return refused or response.text(request.args.get("echostr", ""))

        @webhook.post("/webhook")
        async def receive(request: Request):
            refused = self.refusal(request)
            if refused:
                return refused
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.text(f"the body is over {MAX_BODY_BYTES} bytes", status=413)
            encrypted = request.args.get("encrypt_type", "raw") == "aes"
            try:
                xml = self.decrypted(request) if encrypted else request.body.decode("utf-8")
            except PermissionError as exc:
                return self.refuse(request, str(exc))
            try:
                message = parse_message(xml)
            except Exception as exc:  # xmltodict's and wechatpy's errors on XML that is not a WeChat message
                log.warning("WeChat channel: not a WeChat message from %s (%s: %s)", request.ip, type(exc).__name__, exc)
                return response.text("not a WeChat message (XML with MsgType expected)", status=400)
            content = await self.reply_to(message, on_new_message, getattr(request.app.ctx, "agent", None))
            if content is None:
                return response.text("success")
            return response.text(self.reply_xml(message, content, request, encrypted), content_type="application/xml")

        return webhook

    def refusal(self, request: Request) -> response.HTTPResponse | None:
        """403 for a request WeChat did not sign, or signed more than max_age_s from now (a replay)."""
        if not self.account.token:
            return response.text(f"the WeChat channel has no token: set {ENVIRONMENT['token']} or token in "
                                 "credentials.yml", status=503)
        args = request.args
        signature, timestamp, nonce = args.get("signature", ""), args.get("timestamp", ""), args.get("nonce", "")
        try:
            check_signature(self.account.token, signature, timestamp, nonce)
        except Exception:  # InvalidSignatureException, or parameters missing
            return self.refuse(request, "wrong signature")
        try:
            age = abs(time.time() - int(timestamp))
        except ValueError:
            return self.refuse(request, f"timestamp {timestamp!r} is not a number")
        if age > self.account.max_age_s:
            return self.refuse(request, f"timestamp {timestamp} is {age:.0f} s from now (at most "
                                        f"{self.account.max_age_s:.0f}): a replayed request")
        return None

    @staticmethod
    def refuse(request: Request, why: str) -> response.HTTPResponse:
        log.warning("WeChat channel: refused %s %s from %s: %s", request.method, request.path, request.ip, why)
        return response.text(f"forbidden: {why}", status=403)

    def decrypted(self, request: Request) -> str:
        if self.crypto is None:
            raise PermissionError("an encrypted (safe mode) message, but no encoding_aes_key is configured: set "
                                  f"{ENVIRONMENT['encoding_aes_key']} or encoding_aes_key in credentials.yml")
        args = request.args
        try:
            return self.crypto.decrypt_message(request.body, args.get("msg_signature", ""), args.get("timestamp", ""),
                                               args.get("nonce", ""))
        except Exception as exc:  # a wrong msg_signature, key or app id, or a body that is not the Encrypt XML
            raise PermissionError(f"the message does not decrypt ({type(exc).__name__})") from None

    def reply_xml(self, message: BaseMessage, content: str, request: Request, encrypted: bool) -> str:
        # wechatpy writes the content into CDATA as it is: a "]]>" in a document would end it early.
        xml = TextReply(message=message, content=content.replace("]]>", "]]]]><![CDATA[>")).render()
        if encrypted:
            xml = self.crypto.encrypt_message(xml, request.args.get("nonce", ""), request.args.get("timestamp"))
        return xml

    async def reply_to(self, message: BaseMessage, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                       agent: Any) -> str | None:
        """The passive reply's text; None for "success" (nothing to say now)."""
        openid = message.source
        sender = SENDER_PREFIX + openid
        text = None
        if isinstance(message, TextMessage):
            text = message.content or ""
        elif isinstance(message, VoiceMessage) and (message.recognition or "").strip():
            text = message.recognition  # WeChat's speech recognition (语音识别), when the account has it on
        # WeChat's advice: retries of a message share its MsgId; events have none, sender and time tell them apart.
        key = f"msg:{message.id}" if message.id else f"event:{openid}:{message.time}:{message.type}"
        if text is not None:
            if len(text) > self.account.max_message_chars:
                return _in_script(f"消息太长了：最多 {self.account.max_message_chars} 个字，请精简后再发。", text)
            return await self.deliveries.reply(key, openid, lambda: self.answer(text, sender, on_new_message, agent))
        if isinstance(message, (SubscribeEvent, SubscribeScanEvent)):
            return await self.deliveries.reply(key, openid, lambda: self.welcome(agent))
        if isinstance(message, BaseEvent) or "Event" in getattr(message, "_data", {}):  # also an event wechatpy lacks
            return None  # unsubscribe, menu clicks, location reports: nothing to answer
        return _in_script(TEXT_ONLY, await _last_text(agent, sender))

    async def answer(self, text: str, sender: str, on_new_message: Callable[[UserMessage], Awaitable[Any]],
                     agent: Any) -> list[str]:
        out = CollectingOutputChannel()
        try:
            await on_new_message(UserMessage(to_rasa(text), out, sender, input_channel=self.name()))
        except Exception:  # Rasa logs its own errors; the user gets the apology, never silence
            log.exception("WeChat channel: Rasa failed on a message of %s", sender)
        pieces = pieces_for_wechat(out.messages, self.account.public_url, MAX_BYTES)
        if not pieces:  # no reply: the action server failed or could not be reached
            await keep_apology_in_tracker(agent, sender)
            return [APOLOGY]
        return pieces

    async def welcome(self, agent: Any) -> list[str]:
        examples = await self.suggestions(agent) or EXAMPLES
        return split(WELCOME + "\n" + "\n".join(f"· {q}" for q in examples[:4]))

    async def suggestions(self, agent: Any) -> list[str]:
        """The chat page's welcome questions, from the action server's knowledge API; [] when it is away."""
        url = self.knowledge_url(agent)
        if not url:
            return []
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SUGGESTIONS_TIMEOUT_S)) as http:
                async with http.get(f"{url}/suggestions") as reply:
                    found = (await reply.json()).get("suggestions") if reply.status == 200 else None
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            log.warning("WeChat welcome without the knowledge base's examples: %s/suggestions did not answer (%s)",
                        url, type(exc).__name__)
            return []
        return [q for q in found or [] if isinstance(q, str)]

    def knowledge_url(self, agent: Any) -> str:
        if self.account.knowledge_url:
            return self.account.knowledge_url.rstrip("/")
        endpoint = getattr(getattr(agent, "action_endpoint", None), "url", "") or ""
        if not endpoint:
            return ""
        # The knowledge API is served beside the actions' /webhook (actions/server.py).
        return urlunsplit(urlsplit(endpoint)._replace(path="/knowledge", query="", fragment=""))


def _in_script(text: str, of: str) -> str:
    return to_traditional(text) if of and is_traditional(of) else text


async def _last_text(agent: Any, sender: str) -> str:
    """What the user last wrote (to reply in their script), from their tracker; "" when there is none."""
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return ""
    try:
        tracker = await store.retrieve(sender)
    except Exception:  # the tracker store may be what failed: the reply goes out in simplified
        log.exception("WeChat channel: could not read the tracker of %s", sender)
        return ""
    return (tracker.latest_message.text or "") if tracker is not None and tracker.latest_message else ""
