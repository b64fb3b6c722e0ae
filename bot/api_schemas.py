"""The shapes of the gateway's API bodies. Strict: a field of the wrong JSON type (a number or null for a
message), an unknown field or a character that is not text is refused, never coerced or guessed at."""
from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, TypeAdapter

from .staff.session import clean_name

_SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
# A bot message's id: the turn the gateway gave the question (32 hex digits) and the reply's place in it.
_MESSAGE_ID = re.compile(r"[0-9a-f]{32}-\d{1,3}")
BAD_SESSION = "会话编号无效，请刷新页面。"
_KEPT_CONTROLS = "\n\t"


def _session(value: str) -> str:
    # fullmatch: "$" would let a trailing newline through.
    if not _SESSION.fullmatch(value):
        raise ValueError(BAD_SESSION)
    return value


def _message_id(value: str) -> str:
    if not _MESSAGE_ID.fullmatch(value):
        raise ValueError("message_id 不是本服务给出的回答编号（32 位十六进制-序号，如 3f…a1-0）。")
    return value


def _text(value: str) -> str:
    """Stripped text without control characters (a newline and a tab are text) or unpaired surrogates."""
    value = value.replace("\r\n", "\n").strip()
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cs") and ch not in _KEPT_CONTROLS:
            raise ValueError(f"含有不可见的控制字符 U+{ord(ch):04X}，请删除后再发。")
    return value


def _not_empty(value: str) -> str:
    if not value:
        raise ValueError("请输入问题。")
    return value


SessionId = Annotated[str, AfterValidator(_session)]
Text = Annotated[str, AfterValidator(_text)]


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class ChatRequest(_Body):
    session: SessionId
    message: Annotated[Text, AfterValidator(_not_empty)]


class FeedbackRequest(_Body):
    session: SessionId
    message_id: Annotated[str, AfterValidator(_message_id)]
    rating: Literal["up", "down"]
    comment: Text = ""


class BriefingQuery(_Body):
    topic: Text = ""
    format: Literal["html", "md", "docx"] = "html"


class LoginForm(_Body):
    token: Annotated[str, AfterValidator(lambda v: v.strip())] = ""
    name: Annotated[str, AfterValidator(clean_name)] = ""
    password: str = ""  # as typed: an account's password (then no token is sent)


session_id = TypeAdapter(SessionId)
