"""A citizen's text on its way to Rasa and back: never a command.

Rasa reads a message starting with "/" as an intent given by name (`/restart` restarts the conversation,
`/greet` is answered as a greeting, whatever the NLU would say). A citizen's "/…" is sent with a zero-width
space before it, so Rasa's NLU reads it as text, and the history shows it without that space again.
"""
from __future__ import annotations

ESCAPE = "\u200b"  # zero-width space: not stripped by Rasa (str.strip keeps it), invisible if ever shown


def to_rasa(text: str) -> str:
    return ESCAPE + text if text.startswith("/") else text


def from_rasa(text: str) -> str:
    return text[len(ESCAPE):] if text.startswith(ESCAPE + "/") else text
