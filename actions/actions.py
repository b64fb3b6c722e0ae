"""policybot's custom actions. The knowledge base is loaded when the action server imports this module, and
follows new index builds from then on (knowledge.answer.live); each action answers from the one it started with."""
from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from functools import lru_cache
from typing import Any

import torch
from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import feedback, question_log
from knowledge.answer.answering import answer_follow_up, answer_question, answer_query
from knowledge.answer.dialogue import asks_for_more, contextualize, topic_of
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.live import LiveKnowledgeBase
from knowledge.answer.query import Query, Reading, analyse, read
from knowledge.answer.suggestions import welcome_suggestions
from knowledge.briefing.briefing import prepare_briefing, topic_of_request
from knowledge.briefing.render import to_chat, to_payload
from knowledge.config import load_settings
from knowledge.faq.answering import with_curated
from knowledge.faq.book import FaqBook
from knowledge.models import FAQ_CITATION, Answer, Status

log = logging.getLogger(__name__)
# Wording lives in domain.yml; these responses are sent from code, not from rules.
SORRY = "utter_service_unavailable"
REPHRASE = "utter_ask_rephrase"
OUT_OF_SCOPE = "utter_out_of_scope"


@lru_cache(maxsize=1)
def live() -> LiveKnowledgeBase:
    """The process's one live knowledge base, which the actions and the knowledge API (actions/knowledge_api.py)
    answer from. Each is ready with its welcome suggestions before it serves: the gateway asks for them first."""
    return LiveKnowledgeBase(load_settings(), prepare=welcome_suggestions).watch()


@lru_cache(maxsize=1)
def faq() -> FaqBook:
    """The curated FAQ, beside the live knowledge base rather than in one build: it survives index swaps, and
    a change to the store (the staff page, `policybot faq import`) is served from the next question on."""
    return FaqBook(load_settings())


def knowledge_base() -> KnowledgeBase:
    """The knowledge base serving now: taken once per action, which then uses that one throughout."""
    return live().current()


def _said(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _from_documents(ans: Answer):
    """The answer's citations of documents (a curated FAQ entry is none: follow-ups look for more in documents)."""
    return [c for c in ans.citations + ans.related if c.kind != FAQ_CITATION]


def _cited(ans: Answer) -> list[str]:
    return [f"{c.doc_id}|{c.start}" for c in _from_documents(ans)]


def _keys(cited: list[str] | None) -> set[tuple[str, int]]:
    """The (doc_id, start) of citations as the last_citations slot keeps them ("doc_id|start")."""
    return {(doc_id, int(start)) for doc_id, start in (key.rsplit("|", 1) for key in cited or [])}


def _answer(kb: KnowledgeBase, question: str, exclude: set[tuple[str, int]] | None = None,
            given: set[tuple[str, int]] | None = None, before: Reading | None = None) -> tuple[Answer, Query | None]:
    """The answer, and the question as it was analysed for it (None for an empty one), which its topic is
    taken from. `given`, `before`: the citations of the answer just given and its question, which a follow-up
    asking something else does not repeat (answer_follow_up)."""
    if not question.strip():
        return answer_question(kb, question), None
    query = analyse(kb, question)
    if exclude:  # "还有呢？": more passages on the question, the curated answer was already given
        return answer_query(kb, query, exclude=exclude), query
    return _curated(kb, query) or answer_follow_up(kb, query, given or set(), before), query


def _curated(kb: KnowledgeBase, query: Query) -> Answer | None:
    """The curated entry's answer with the documents' passages after it, when the question matches one."""
    match = faq().match(query.text, query.vector)
    return with_curated(match, answer_query(kb, query), kb.settings.max_citations) if match else None


def _send_answer(kb: KnowledgeBase, dispatcher: CollectingDispatcher, tracker: Tracker, ans: Answer,
                 query: Query | None, already_cited: list[str] | None = None) -> list[dict[str, Any]]:
    """Sends the answer and logs the question; remembers its question, topic, documents and citations for the
    follow-ups. With already_cited (a "还有呢？"), the citations add up rather than replace. A question whose
    fact the documents do not state still sets the topic: "那要多久？" after it is about the same thing."""
    payload = ans.to_json()
    dispatcher.utter_message(text=ans.answer, json_message=payload)
    _log_question(kb, tracker, ans)
    if query is None or ans.status not in (Status.ANSWERED, Status.NOT_STATED):
        return []
    return [SlotSet("last_question", query.text), SlotSet("topic", topic_of(kb, query)),
            SlotSet("last_docs", sorted({c.doc_id for c in _from_documents(ans)})),
            SlotSet("last_citations", (already_cited or []) + _cited(ans))]


def _log_question(kb: KnowledgeBase, tracker: Tracker, ans: Answer) -> None:
    """For the staff's weekly summary; a log that cannot be written never costs the citizen the answer."""
    try:
        question_log.record(question_log.db_path(kb.settings), tracker.sender_id, _said(tracker), ans.question,
                            ans.status.value, ans.confidence, ans.citations[0].doc_id if ans.citations else "")
    except Exception:  # the disk full, the file locked: logged, the answer goes out
        log.exception("question not logged")


class _SafeAction(Action, metaclass=ABCMeta):
    """An error in the knowledge base reaches the citizen as an apology, never as silence.
    (Abstract, so that rasa_sdk does not register it as an action of its own.)"""

    def run(self, dispatcher, tracker: Tracker, domain) -> list[dict[str, Any]]:
        try:
            return self.act(dispatcher, tracker)
        except Exception:  # the citizen must get a reply whatever failed; the log keeps the details
            log.exception("action %s failed", self.name())
            dispatcher.utter_message(response=SORRY)
            return []

    @abstractmethod
    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        ...


class ActionAnswerQuestion(_SafeAction):
    def name(self) -> str:
        return "action_answer_question"

    def act(self, dispatcher, tracker):
        kb = knowledge_base()
        return _send_answer(kb, dispatcher, tracker, *_answer(kb, _said(tracker)))


class ActionFollowUp(_SafeAction):
    """"那需要多长时间？" after a question about property registration is about property registration."""

    def name(self) -> str:
        return "action_follow_up"

    def act(self, dispatcher, tracker):
        kb = knowledge_base()
        text = _said(tracker)
        previous = tracker.get_slot("last_question")
        if previous and asks_for_more(text):
            cited = tracker.get_slot("last_citations") or []
            return _send_answer(kb, dispatcher, tracker, *_answer(kb, previous, _keys(cited)), cited)
        given = _keys(tracker.get_slot("last_citations")) if previous else set()
        return _send_answer(kb, dispatcher, tracker, *_answer(kb, contextualize(kb, text, previous), given=given,
                                                              before=read(kb, previous) if previous else None))


class ActionInterviewPrep(_SafeAction):
    def name(self) -> str:
        return "action_interview_prep"

    def act(self, dispatcher, tracker):
        kb = knowledge_base()
        text = _said(tracker)
        topic = (next(tracker.get_latest_entity_values("topic"), None) or topic_of_request(text)
                 or topic_of(kb, read(kb, text)) or text)
        briefing = prepare_briefing(kb, topic)
        dispatcher.utter_message(text=to_chat(briefing), json_message=to_payload(briefing))
        return [SlotSet("topic", topic)]


class ActionRecordFeedback(_SafeAction):
    def name(self) -> str:
        return "action_record_feedback"

    def act(self, dispatcher, tracker):
        text = _said(tracker)
        answered = Answer.from_json({})
        for event in reversed(tracker.events):
            if event.get("event") == "bot" and (event.get("data") or {}).get("custom"):
                answered = Answer.from_json(event["data"]["custom"])  # the payload _send_answer sent
                break
        feedback.record(feedback.db_path(load_settings()), tracker.sender_id, feedback.polarity_of(text), text,
                        tracker.get_slot("last_question") or "", answered.answer, answered.to_json()["citations"])
        dispatcher.utter_message(response="utter_feedback_thanks")
        return []


class ActionOutOfScope(_SafeAction):
    """A question the NLU finds outside the documents' topics may still be one staff answered in the curated FAQ
    (a city's FAQ covers more than its policy documents): the curated answer then, else the out-of-scope reply."""

    def name(self) -> str:
        return "action_out_of_scope"

    def act(self, dispatcher, tracker):
        kb = knowledge_base()
        question = _said(tracker)
        # The FAQ is asked first: the documents' answer is searched only for a question that matched an entry.
        query = analyse(kb, question) if question.strip() else None
        curated = _curated(kb, query) if query is not None else None
        if curated is not None:
            return _send_answer(kb, dispatcher, tracker, curated, query)
        declined = Answer(question, False, 0.0, "", (), status=Status.DECLINED)
        dispatcher.utter_message(response=OUT_OF_SCOPE, json_message=declined.to_json())  # as the fallback's reply
        _log_question(kb, tracker, declined)
        return []


class ActionDefaultFallback(_SafeAction):
    """Low NLU confidence: the knowledge base gets the first try; only if it declines do we say so."""

    def name(self) -> str:
        return "action_default_fallback"

    def act(self, dispatcher, tracker):
        kb = knowledge_base()
        ans, query = _answer(kb, _said(tracker))
        if ans.status in (Status.ANSWERED, Status.NOT_STATED):
            return _send_answer(kb, dispatcher, tracker, ans, query)
        dispatcher.utter_message(response=REPHRASE, json_message=ans.to_json())
        _log_question(kb, tracker, ans)
        return []


# A question is one short text to embed: with Rasa on the same 2 cores, one torch thread embeds it in 29 ms
# where two contend for 163 ms under load, and both take ~20 ms when idle (docs/benchmarks.md).
torch.set_num_threads(1)
live()  # load at start, so the first citizen does not wait for the model
faq().matcher()
