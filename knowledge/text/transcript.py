"""Interview transcripts: speaker labels, and the host's turns."""
from __future__ import annotations

import re

from .script import to_simplified

_SPEAKER = re.compile(r"^[^\s:：，,。]{1,6}[:：]\s*")  # 主持人: / 刘捷: labels in transcripts
_ASKS = re.compile(r"请问|问道|想问|请[^。，,]{0,8}(?:介绍|谈谈|讲讲|说说)")
ASKING_SENTENCE = re.compile(r"[^。！!；;?？]*[?？]")  # a sentence ending in a question mark


def without_speaker(text: str) -> str:
    return _SPEAKER.sub("", text)


def is_host_question(line: str) -> bool:
    """In a transcript, the host's turns: labelled 主持人, or a short paragraph that ends asking."""
    simplified = to_simplified(line.strip())
    if re.match(r"主持人\s*[:：]", simplified):
        return True
    # Hosts also ask without a question mark: "……请问临川区怎么去化解这个问题。" "我们先请李区长给我们介绍一下……"
    last = re.split(r"(?<=[。！!；;])", simplified.rstrip("。！!；; "))[-1]
    return len(simplified) <= 300 and bool(re.search(r"[?？]$", simplified) or _ASKS.search(last))
