"""Rasa's REST channel, with an apology where Rasa would otherwise answer nothing.

Every message to policybot gets a reply (a response or a custom action), so an empty reply means the
action server failed or could not be reached: Rasa logs that and moves on silently, and the citizen
would be left waiting.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

APOLOGY = "抱歉，服务暂时不可用，请稍后再试。"


class ApologeticRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps the standard /webhooks/rest/webhook address

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def reply_or_apologise(message: UserMessage) -> None:
            out = message.output_channel
            collecting = type(out) is CollectingOutputChannel  # streamed replies go to a queue instead
            before = len(out.messages) if collecting else 0
            try:
                await on_new_message(message)
            finally:
                if collecting and len(out.messages) == before:
                    await out.send_text_message(message.sender_id, APOLOGY)

        return super().blueprint(reply_or_apologise)
