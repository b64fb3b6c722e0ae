"""The two answering paths of the bot as plain question -> Answer functions: in process on a loaded knowledge
base, or end to end through Rasa's REST channel."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.models import Answer

from .rest_client import as_answer, send


def in_process(kb: KnowledgeBase, k: int | None = None, faq=None) -> Callable[[str], Answer]:
    """`faq`: a FaqBook whose curated answers come first, as in the running bot (None: the documents only)."""
    from knowledge.faq.answering import answer_with_faq

    return lambda question: answer_with_faq(kb, faq, question, k)


@contextmanager
def through_rasa(base_url: str, k: int | None = None, timeout: float = 60.0) -> Iterator[Callable[[str], Answer]]:
    """Each question is its own conversation, so an earlier question never turns a later one into a follow-up."""
    import uuid

    with httpx.Client(timeout=timeout) as client:
        def ask(question: str) -> Answer:
            row = as_answer(question, send(client, base_url, f"policybot-coverage-{uuid.uuid4().hex[:12]}", question))
            return Answer.from_json(row, k)

        yield ask
