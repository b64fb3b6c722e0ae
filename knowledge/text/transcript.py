"""Interview transcripts: speaker labels, and the host's turns."""
from __future__ import annotations

import re

from .script import to_simplified

_SPEAKER = re.compile(r"^[^\s:：，,。]{1,6}[:：]\s*")  # 主持人: / 刘捷: labels in transcripts
_ASKS = re.compile(r"请问|问道|想问|请[^。，,]{0,8}(?:介绍|谈谈|讲讲|说说)")
# The host's closing words: "由于时间关系,今天就跟大家交流到这里,再次感谢……", "最后,谢谢各位网友对……的关心和支持。",
# and the recap before them, "我们今天的《在线访谈》重点就……进行了很好互动". They name the guests and the topic, and so
# match many questions, but answer none.
_SIGN_OFF = re.compile(r"^(?:由于时间(?:关系|原因)|(?:今天|本期|本次)的?(?:访谈|节目|直播)(?:就)?(?:到此|到这里))"
                       r"|^(?:我们)?(?:今天|本期|本次)的?(?:《[^》]{1,12}》|在线访谈|访谈|节目|直播)(?:重点|主要)?(?:就|围绕)"
                       r"|^(?:最后[,，]\s*)?(?:再次)?(?:谢谢|感谢)(?:各位|广大)网友"
                       # a turn that is only thanks or goodbye: "谢谢大家,再见!" "好的,谢谢主持人。"
                       r"|^(?=\S)(?:好的?[,，]?\s*)?(?:(?:再次)?(?:谢谢|感谢)(?:大家|各位|主持人|您)?[,，!！。\s]*)?(?:再见|拜拜)?[!！。]*$")
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


def is_sign_off(sentence: str) -> bool:
    """Whether a sentence of a transcript is the host's closing formula (see _SIGN_OFF)."""
    return bool(_SIGN_OFF.search(to_simplified(without_speaker(sentence.strip()))))
