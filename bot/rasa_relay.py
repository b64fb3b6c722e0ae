"""The gateway's side of Rasa: send a chat message, read a conversation's history.

Messages reach the page in one shape, whether they come from a reply or from the tracker store:
{"from": "user" | "bot", "text": str, "time": epoch seconds, "custom": the action's payload or None, "id": str}.

Every question the gateway relays gets a turn id (sent to Rasa as message metadata, so the tracker keeps it
with the question); the replies to it are "<turn>-0", "<turn>-1", … in the order Rasa gave them, in the reply
and in the tracker alike. Feedback names a reply by that id, and the gateway looks the reply up in the
tracker (`find`): what is stored is what the bot said, never what a client claims it said.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import httpx

from . import chat_text
from .rest_client import webhook

TURN = "policybot_turn"  # the metadata key of a question's turn id


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the page shows the service as unavailable and retries on its own."""


class RasaRefused(RasaUnavailable):
    """Rasa refused the connection: the message never reached it, so another server may take it."""


@dataclass(frozen=True)
class Rasa:
    url: str
    # Rasa's --auth-token, for its HTTP API (the REST channel needs none); kept out of logs and tracebacks.
    token: str = field(default="", repr=False)


def new_turn() -> str:
    return uuid.uuid4().hex


def _message(sender: str, text: str | None, custom, when: float, message_id: str) -> dict:
    return {"from": sender, "text": text or "", "time": when, "custom": custom if isinstance(custom, dict) else None,
            "id": message_id}


async def send(client: httpx.AsyncClient, rasa: Rasa, session: str, text: str, turn: str) -> list[dict]:
    try:
        reply = await client.post(webhook(rasa.url), json={"sender": session, "message": chat_text.to_rasa(text),
                                                           "metadata": {TURN: turn}})
        reply.raise_for_status()
        body = reply.json()
    except httpx.ConnectError as exc:
        raise RasaRefused(f"Rasa at {rasa.url}: {exc}") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise RasaUnavailable(f"Rasa at {rasa.url}: {exc}") from exc
    now = time.time()
    messages: list[dict] = []
    for m in body if isinstance(body, list) else []:
        # Rasa's REST channel sends an utterance's text and its payload as two messages; the tracker keeps
        # them as one event. One bubble either way.
        if messages and "text" not in m and isinstance(m.get("custom"), dict) and messages[-1]["custom"] is None:
            messages[-1]["custom"] = m["custom"]
        else:
            messages.append(_message("bot", m.get("text"), m.get("custom"), now, f"{turn}-{len(messages)}"))
    return messages


async def history(client: httpx.AsyncClient, rasa: Rasa, session: str) -> list[dict]:
    """The conversation so far, from the tracker store (so it survives reloads and Rasa restarts)."""
    params = {"include_events": "ALL", **({"token": rasa.token} if rasa.token else {})}
    try:
        reply = await client.get(f"{rasa.url}/conversations/{session}/tracker", params=params)
    except httpx.ConnectError as exc:
        raise RasaRefused(f"Rasa at {rasa.url}: {exc}") from exc
    except httpx.HTTPError as exc:
        raise RasaUnavailable(f"Rasa at {rasa.url}: {exc}") from exc
    if reply.status_code in (401, 403):
        raise RasaUnavailable(f"Rasa at {rasa.url} refused the tracker read ({reply.status_code}): the gateway's "
                              "POLICYBOT_RASA_TOKEN is not the --auth-token Rasa runs with; set both to one value")
    try:
        reply.raise_for_status()
        events = reply.json().get("events") or []
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        raise RasaUnavailable(f"Rasa at {rasa.url}: {exc}") from exc
    return messages_of(events)


def messages_of(events: list[dict]) -> list[dict]:
    out, turn, replies = [], "", 0
    for event in events:
        when = event.get("timestamp", 0)
        if event.get("event") == "user" and event.get("text"):
            # A question from elsewhere (the REST channel directly) has no turn of ours: Rasa's id stands in.
            turn, replies = (event.get("metadata") or {}).get(TURN) or event.get("message_id") or "", 0
            out.append(_message("user", chat_text.from_rasa(event["text"]), None, when, turn))
        elif event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom")
            if event.get("text") or custom:
                out.append(_message("bot", event.get("text"), custom, when, f"{turn}-{replies}"))
                replies += 1
    return out


def find(messages: list[dict], message_id: str) -> tuple[str, dict] | None:
    """The bot message with that id and the question it answered; None when the conversation has none."""
    question = ""
    for m in messages:
        if m["from"] == "user":
            question = m["text"]
        elif m["id"] == message_id:
            return question, m
    return None
