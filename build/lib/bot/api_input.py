"""Reading an API request's body: JSON only, parsed against its schema, every failure an HTTP status with a
message that names the field and what to send instead (the gateway answers it as {"error": …})."""
from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

M = TypeVar("M", bound=BaseModel)
JSON = "application/json"


class BadInput(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    kind, *params = request.headers.get("content-type", "").split(";")
    options = {}
    for p in params:
        key, _, value = p.partition("=")
        options[key.strip().lower()] = value.strip().strip('"').lower()
    return kind.strip().lower(), options


async def json_body(request: Request, model: type[M]) -> M:
    """The body as `model`. Only application/json (UTF-8) is read: a text/plain or form body is what a page on
    any other website can make a browser send without asking (CSRF), so it is refused with 415."""
    kind, options = media_type(request)
    if kind != JSON or options.get("charset", "utf-8") not in ("utf-8", "utf8"):
        raise BadInput(415, f"只接受 JSON：请求须带 Content-Type: {JSON}（UTF-8），而不是 "
                            f"“{request.headers.get('content-type') or '没有'}”。")
    return parse(model, await request.body())


def parse(model: type[M], raw: bytes | dict) -> M:
    try:
        return model.model_validate_json(raw) if isinstance(raw, bytes) else model.model_validate(raw)
    except ValidationError as exc:
        raise BadInput(400, describe(exc.errors(include_url=False))) from None


def describe(errors: list[dict]) -> str:
    """The first problem of pydantic's list, in words: which field, and what it should be."""
    if not errors:
        return "请求格式不对。"
    error = errors[0]
    field = ".".join(str(part) for part in error["loc"]) or "请求"
    kind, msg = error["type"], error["msg"]
    if kind == "json_invalid":
        return f"请求不是有效的 JSON（{msg}）。"
    if kind == "value_error":  # our own validators' messages are written for the reader already
        return str((error.get("ctx") or {}).get("error") or msg)
    if kind == "missing":
        return f"缺少 {field}（{field} is required）。"
    if kind == "extra_forbidden":
        return f"不认识的字段 {field}（{field} is not a field of this request）。"
    if kind == "string_type":
        return f"{field} 应为文字（{field} must be a JSON string, not {_json_kind(error.get('input'))}）。"
    if kind == "literal_error":
        return f"{field} 不对（{field}: {msg}）。"
    if kind == "model_type":
        return "请求应为一个 JSON 对象（the body must be a JSON object）。"
    return f"{field} 不对（{field}: {msg}）。"


def _json_kind(value) -> str:
    kinds = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", list: "an array", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)
