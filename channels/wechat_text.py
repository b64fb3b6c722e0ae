"""policybot's replies as WeChat text messages: WeChat shows no buttons or cards, so an answer keeps its [n]
markers and is followed by a short numbered list of its sources (title, date, and a link to the document view
with the cited span highlighted when the gateway has a public address); long replies are cut into pieces that
each fit WeChat's limit. No Rasa imports: the tests run it in the app's Python too.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from knowledge.models import FAQ_CITATION
from knowledge.text.script import is_traditional, to_traditional

# WeChat refuses a text message whose content is over 2,048 bytes (UTF-8: about 680 Chinese characters), for
# passive replies and customer-service messages alike.
MAX_BYTES = 2048
TITLE_CHARS = 36  # a source's title beyond this is cut with …: the link carries the rest
RELATED_CHARS = 120  # a related passage (相关内容) beyond this is cut: it is offered to read, not quoted as an answer

# Where a piece may end, best first: after a blank line, a line, a sentence, a clause. A cut after a sentence
# also takes the [n] markers that follow it, so that a marker stays with its sentence.
_BREAKS = (re.compile(r"\n\n+"), re.compile(r"\n"), re.compile(r"[。！？；!?;](?:\[\d+\])*"),
           re.compile(r"[，、,：:](?:\[\d+\])*"))


@dataclass(frozen=True)
class Source:
    n: int
    title: str
    date: str
    link: str = ""


def document_link(public_url: str, doc_id: str, start: int, end: int) -> str:
    """The chat page's document view of doc_id with [start, end) highlighted (bot/static/chat.js reads it)."""
    return f"{public_url.rstrip('/')}/?{urlencode({'doc': doc_id, 'start': start, 'end': end})}"


def sources_of(citations: Iterable[Mapping], public_url: str = "") -> list[Source]:
    out = []
    for i, c in enumerate(citations, start=1):
        title = str(c.get("title") or c.get("doc_id") or "")
        if len(title) > TITLE_CHARS:
            title = title[:TITLE_CHARS - 1] + "…"
        link = ""
        # A curated FAQ entry is quoted whole in the reply: there is no document view to link to.
        if public_url and c.get("doc_id") and c.get("kind") != FAQ_CITATION:
            link = document_link(public_url, str(c["doc_id"]), _int(c.get("start")), _int(c.get("end")))
        out.append(Source(_int(c.get("n")) or i, title, str(c.get("date") or ""), link))
    return out


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _described(s: Source) -> str:
    return s.title + (f"（{s.date}）" if s.date else "") + (f"\n{s.link}" if s.link else "")


def _mappings(value) -> list[Mapping]:
    return [c for c in value if isinstance(c, Mapping)] if isinstance(value, list) else []


def message_text(message: Mapping, public_url: str = "") -> str:
    """One bot message of Rasa's collecting channel ({"text", "custom", "buttons", "image"}) as plain text."""
    text = str(message.get("text") or "").strip()
    custom = message.get("custom") if isinstance(message.get("custom"), Mapping) else {}
    traditional = is_traditional(str(custom.get("question") or text))

    def label(words: str) -> str:
        return to_traditional(words) if traditional else words

    blocks = [text] if text else []
    citations = _mappings(custom.get("citations"))
    if citations:
        blocks.append(label("来源：") + "\n" + "\n".join(f"[{s.n}] {_described(s)}"
                                                         for s in sources_of(citations, public_url)))
    related = _mappings(custom.get("related"))
    if related:
        lines = []
        for s, c in zip(sources_of(related, public_url), related):
            passage = str(c.get("text") or c.get("quote") or "").strip()
            if len(passage) > RELATED_CHARS:
                passage = passage[:RELATED_CHARS - 1] + "…"
            lines.append(f"{s.n}. {passage}\n—— {_described(s)}")
        blocks.append(label("相关内容：") + "\n" + "\n".join(lines))
    buttons = [b for b in message.get("buttons") or [] if isinstance(b, Mapping) and b.get("title")]
    if buttons:  # no buttons in a text message: the reader types the option instead
        blocks.append("\n".join(f"· {b['title']}" for b in buttons))
    if message.get("image"):
        blocks.append(str(message["image"]))
    return "\n\n".join(blocks)


def reply_text(messages: Iterable[Mapping], public_url: str = "") -> str:
    """All the bot's messages for one question as one text (WeChat gives a passive reply one message)."""
    return "\n\n".join(t for t in (message_text(m, public_url) for m in messages) if t)


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def split(text: str, limit: int = MAX_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes that join back into exactly `text` (no piece for an empty text),
    each cut at the last paragraph break that fits, else the last line break, sentence end or clause end, else
    at the last whole character. A break in the first quarter of a piece is passed over for a weaker one further
    on, so that no piece is a stub."""
    if limit < 4:
        raise ValueError(f"split: a limit of {limit} bytes cannot hold every character (UTF-8 needs up to 4)")
    pieces: list[str] = []
    rest = text
    while utf8_len(rest) > limit:
        head = rest.encode("utf-8")[:limit].decode("utf-8", errors="ignore")  # drops a character cut in two
        cut = _best_cut(head)
        pieces.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        pieces.append(rest)
    return pieces


def _best_cut(head: str) -> int:
    floor = len(head) // 4
    for pattern in _BREAKS:
        ends = [m.end() for m in pattern.finditer(head) if m.end() > floor]
        if ends:
            return ends[-1]
    return len(head)


def pieces_for_wechat(messages: Iterable[Mapping], public_url: str = "", limit: int = MAX_BYTES) -> list[str]:
    """The reply as WeChat text messages, in order, each within the limit."""
    return split(reply_text(messages, public_url), limit)
