"""WeChat's customer-service message API (客服消息), for answers that were not ready within WeChat's 5 seconds:
wechatpy's client, with its API at a configurable address (a test's local stub; WeChat's own by default) and a
timeout on every call. A refusal is logged with what it means and what to do; it never raises to the caller."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

log = logging.getLogger(__name__)
WECHAT_API = "https://api.weixin.qq.com/cgi-bin/"
TIMEOUT_S = 10.0

# What an errcode of the customer-service API means for the operator.
_MEANINGS = {
    45015: "the user last wrote more than 48 hours ago: WeChat lets an account message a user only within 48 hours of"
           " the user's last message, so this answer is lost; nothing to fix",
    45047: "over 20 messages to this user since their last message: WeChat's limit; the rest of the answer is lost",
    48001: "the account may not use the customer-service API: it needs a verified service account (认证服务号) or"
           " verified subscription account; until then answers slower than reply_deadline_s are lost",
    40001: "the access token was refused: check app_id and app_secret (POLICYBOT_WECHAT_APP_ID/_APP_SECRET)",
    40164: "the server's address is not on the account's IP whitelist (公众号后台 > 基本配置 > IP白名单): add it",
}


class _TimeoutSession(requests.Session):
    """wechatpy fetches its access token without a timeout: a stalled API would hold a worker thread for good."""

    def request(self, *args, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or TIMEOUT_S
        return super().request(*args, **kwargs)


class _Client(WeChatClient):
    def __init__(self, app_id: str, app_secret: str, base_url: str) -> None:
        super().__init__(app_id, app_secret, timeout=TIMEOUT_S)
        self.API_BASE_URL = base_url
        self._http = _TimeoutSession()

    def fetch_access_token(self):
        # wechatpy names WeChat's token URL outright; the same request against the configured base.
        return self._fetch_access_token(url=f"{self.API_BASE_URL}token",
                                        params={"grant_type": "client_credential", "appid": self.appid,
                                                "secret": self.secret})


@dataclass
class CustomerService:
    app_id: str
    app_secret: str
    base_url: str = WECHAT_API

    def __post_init__(self) -> None:
        if not self.base_url.endswith("/"):
            self.base_url += "/"
        self._client = _Client(self.app_id, self.app_secret, self.base_url)

    async def send_text(self, openid: str, text: str) -> bool:
        """True when WeChat took the message; False (logged) when it refused or did not answer."""
        try:
            # wechatpy's client is synchronous (requests): in a worker thread, so that Rasa's loop keeps serving.
            await asyncio.get_running_loop().run_in_executor(None, self._client.message.send_text, openid, text)
            return True
        except WeChatClientException as exc:
            meaning = _MEANINGS.get(exc.errcode, "see WeChat's global return codes (全局返回码说明)")
            log.warning("WeChat customer-service message to %s refused by %s: errcode %s (%s): %s", openid,
                        self.base_url, exc.errcode, exc.errmsg, meaning)
        except requests.RequestException as exc:
            log.warning("WeChat customer-service message to %s not sent: %s did not answer (%s: %s)", openid,
                        self.base_url, type(exc).__name__, exc)
        return False
