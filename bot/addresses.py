"""Where each part of the bot listens: the chat page as a person types its address, and the local URLs the
parts use to reach each other. Light on purpose: the supervisor imports it without the gateway's code."""
from __future__ import annotations

from knowledge.config import Settings


def public_url(settings: Settings) -> str:
    """The chat page's address as a person types it: localhost for the loopback default."""
    host = "localhost" if settings.web_host == "127.0.0.1" else settings.web_host
    return f"http://{host}:{settings.web_port}"


def rasa_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.rasa_port}"


def actions_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.actions_port}"


def gateway_url(settings: Settings) -> str:
    """The gateway as the supervisor checks it: on loopback even when it listens on every address."""
    return f"http://127.0.0.1:{settings.web_port}"


def loopback(port: int) -> str:
    """One of a cluster's servers (a Rasa or an action server) as the others reach it."""
    return f"http://127.0.0.1:{port}"
