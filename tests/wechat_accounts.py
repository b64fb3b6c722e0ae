"""A second WeChat channel for the test stack (credentials: tests/conftest.py), imported by Rasa: the real
channel under another name, so that one Rasa serves an account that answers in time and one that cannot."""
from channels.wechat import WeChatInput


class TightDeadlineWeChat(WeChatInput):
    @classmethod
    def name(cls) -> str:
        return "wechat_tight"  # at /webhooks/wechat_tight/webhook
