"""Talk to policybot through Rasa's REST channel, returning answers in the `ask --json` shape."""
from __future__ import annotations

import uuid

import httpx


def webhook(base_url: str) -> str:
    return base_url.rstrip("/") + "/webhooks/rest/webhook"


def send(client: httpx.Client, base_url: str, sender: str, text: str) -> list[dict]:
    reply = client.post(webhook(base_url), json={"sender": sender, "message": text})
    reply.raise_for_status()
    return reply.json()


def as_answer(question: str, messages: list[dict]) -> dict:
    """The knowledge base's own payload when the bot answered from it; otherwise the bot's words
    (a greeting, a decline, an apology) as an unanswered result."""
    for m in messages:
        custom = m.get("custom")
        if isinstance(custom, dict) and "answered" in custom and "citations" in custom:
            return {**custom, "question": question}
    text = "\n".join(m["text"] for m in messages if m.get("text"))
    return {"question": question, "answered": False, "confidence": 0.0, "answer": text, "citations": []}


def ask(base_url: str, questions: list[str], timeout: float = 60.0, same_conversation: bool = False):
    """Yields one answer per question; each question is its own conversation unless asked otherwise."""
    conversation = f"policybot-cli-{uuid.uuid4().hex[:12]}"
    with httpx.Client(timeout=timeout) as client:
        for q in questions:
            sender = conversation if same_conversation else f"policybot-cli-{uuid.uuid4().hex[:12]}"
            yield as_answer(q, send(client, base_url, sender, q))
