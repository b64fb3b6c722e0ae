"""The gateway's side of Rasa: send a chat message, read a conversation's history.

Messages reach the page in one shape, whether they come from a reply or from the tracker store:
{"from": "user" | "bot", "text": str, "time": epoch seconds, "custom": the action's payload or None}.
"""
from __future__ import annotations

import time

import httpx

from .rest_client import webhook


class RasaUnavailable(RuntimeError):
    """Rasa did not answer; the page shows the service as unavailable and retries on its own."""


def _message(sender: str, text: str | None, custom, when: float) -> dict:
    return {"from": sender, "text": text or "", "time": when, "custom": custom if isinstance(custom, dict) else None}


async def send(client: httpx.AsyncClient, rasa_url: str, session: str, text: str) -> list[dict]:
    try:
        reply = await client.post(webhook(rasa_url), json={"sender": session, "message": text})
        reply.raise_for_status()
    except httpx.HTTPError as exc:
        raise RasaUnavailable(f"Rasa at {rasa_url}: {exc}") from exc
    now = time.time()
    messages: list[dict] = []
    for m in reply.json():
        # Rasa's REST channel sends an utterance's text and its payload as two messages; the tracker keeps
        # them as one event. One bubble either way.
        if messages and "text" not in m and isinstance(m.get("custom"), dict) and messages[-1]["custom"] is None:
            messages[-1]["custom"] = m["custom"]
        else:
            messages.append(_message("bot", m.get("text"), m.get("custom"), now))
    return messages


async def history(client: httpx.AsyncClient, rasa_url: str, session: str) -> list[dict]:
    """The conversation so far, from the tracker store (so it survives reloads and Rasa restarts)."""
    try:
        reply = await client.get(f"{rasa_url}/conversations/{session}/tracker", params={"include_events": "ALL"})
        reply.raise_for_status()
    except httpx.HTTPError as exc:
        raise RasaUnavailable(f"Rasa at {rasa_url}: {exc}") from exc
    out = []
    for event in reply.json().get("events") or []:
        if event.get("event") == "user" and event.get("text"):
            out.append(_message("user", event["text"], None, event.get("timestamp", 0)))
        elif event.get("event") == "bot":
            custom = (event.get("data") or {}).get("custom")
            if event.get("text") or custom:
                out.append(_message("bot", event.get("text"), custom, event.get("timestamp", 0)))
    return out

