"""Rasa's REST channel, with checked input and an apology where Rasa would otherwise answer nothing.

Every message to policybot gets a reply (a response or a custom action), so an empty reply means the
action server failed or could not be reached: Rasa logs that and moves on silently, and the citizen
would be left waiting. The apology is also written into the conversation's tracker as a bot utterance, so
that the history (after a reload of the chat page) shows the question with its reply.

The input is checked before Rasa sees it: a body that is not a JSON object, a message that is not text
(a number, null, a lone surrogate) or longer than `max_message_chars` (credentials.yml; 2,000 by default)
is refused with {"error": …} and 400 or 413. A 10,000-character message took Rasa from 1.27 to 2.14 GB.
"""
from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request

from channels.apology import APOLOGY

log = logging.getLogger(__name__)
DEFAULT_MAX_MESSAGE_CHARS = 2000
MAX_BODY_BYTES = 64 * 1024
# The agent handling the current request, for the apology to reach its tracker: set by the request middleware,
# read in the same task by the message handler, which Rasa gives only the message.
_AGENT: ContextVar[Any] = ContextVar("policybot_agent", default=None)


class ApologeticRestInput(RestInput):
    def __init__(self, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.max_message_chars = max_message_chars

    @classmethod
    def name(cls) -> str:
        return "rest"  # keeps the standard /webhooks/rest/webhook address

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "ApologeticRestInput":
        value = (credentials or {}).get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS)
        try:
            return cls(int(value))
        except (TypeError, ValueError):
            raise ValueError(f"credentials.yml: channels.rest_apology.ApologeticRestInput: max_message_chars must be a"
                             f" whole number of characters, not {value!r}") from None

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
                    await keep_apology_in_tracker(_AGENT.get(), message.sender_id)

        webhook = super().blueprint(reply_or_apologise)

        @webhook.middleware("request")
        async def checked(request: Request):
            if request.method != "POST":
                return None
            problem = self.problem_with(request)
            if problem is not None:
                status, why = problem
                return response.json({"error": why}, status=status)
            _AGENT.set(getattr(request.app.ctx, "agent", None))
            return None

        return webhook

    def problem_with(self, request: Request) -> tuple[int, str] | None:
        """(status, why) when the request cannot be a message; None when it can."""
        if len(request.body or b"") > MAX_BODY_BYTES:
            return 413, f"the body is over {MAX_BODY_BYTES} bytes"
        try:
            body = request.json
        except Exception:  # Sanic's own error for a body that is not JSON
            return 400, 'the body must be a JSON object: {"sender": "id", "message": "问题"}'
        if not isinstance(body, dict):
            return 400, 'the body must be a JSON object: {"sender": "id", "message": "问题"}'
        for field, kind in (("message", str), ("sender", str), ("input_channel", str), ("metadata", dict)):
            value = body.get(field)
            if (value is not None or field == "message") and not isinstance(value, kind):
                return 400, f"{field} must be a JSON {'string' if kind is str else 'object'}, not {_json_kind(value)}"
            if isinstance(value, str) and not _encodable(value):
                return 400, f"{field} holds a lone surrogate (\\ud800-\\udfff): not text"
        if len(body["message"]) > self.max_message_chars:
            return 413, f"the message is {len(body['message'])} characters: at most {self.max_message_chars}"
        return None


def _json_kind(value: Any) -> str:
    kinds = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", list: "an array",
             dict: "an object", str: "a string"}
    return kinds.get(type(value), type(value).__name__)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def keep_apology_in_tracker(agent: Any, sender_id: str) -> None:
    """The apology as a bot utterance in the tracker; a failure here must not cost the citizen the apology."""
    if agent is None or getattr(agent, "processor", None) is None:
        return
    try:
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.processor.get_tracker(sender_id)
            tracker.update(BotUttered(APOLOGY, metadata={"policybot": "apology"}))
            await agent.processor.save_tracker(tracker)
    except Exception:  # the tracker store may be what failed
        log.exception("could not keep the apology in the tracker of %s", sender_id)
