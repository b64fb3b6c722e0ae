"""An NLU step (inside Rasa) that keeps fixed replies for messages that are what those replies answer.

DIET is sure of itself on text unlike anything it was trained on: "123" came out as goodbye at 0.9997 (886 is
a goodbye example), "qwerty uiop" as greet, "／restart" as goodbye, so a citizen typing nonsense was told 再见.
A message classified as one of the guarded intents (those answered by a fixed response, not by the knowledge
base) keeps that intent only when it shares a word with that intent's training examples that no example of the
other intents uses (再见, not the 的 of 好的，再见); otherwise it becomes
nlu_fallback, which asks the knowledge base first and then asks to rephrase (action_default_fallback). A
message without a single word (only punctuation) becomes nlu_fallback whatever it was classified as.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)
FILE = "vocabulary.json"


def _tokens(message: Message) -> list[str]:
    """The message's tokens that carry a letter, a digit or a character (punctuation never tells intents apart),
    in order."""
    return [t.text.lower() for t in message.get(TOKENS_NAMES[TEXT]) or [] if any(ch.isalnum() for ch in t.text)]


def words(message: Message) -> set[str]:
    return set(_tokens(message))


def _whole(message: Message) -> str:
    """The message's words run together, in order: how an example is matched whole."""
    return "".join(_tokens(message))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentGuard(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intents": ["greet", "goodbye", "thanks", "bot_challenge", "feedback", "out_of_scope"],
                "confidence": 1.0}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 vocabulary: dict[str, list[str]] | None = None) -> None:
        self.config, self._storage, self._resource = config, model_storage, resource
        self.vocabulary = {intent: set(ws) for intent, ws in (vocabulary or {}).items()}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntentGuard:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentGuard:
        try:
            with model_storage.read_from(resource) as folder:
                vocabulary = json.loads((folder / FILE).read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            # Without its vocabulary the guard would send every greeting to the fallback: it stands aside.
            log.warning("IntentGuard: no vocabulary in the model (%s); train the model again", exc)
            return cls({**config, "intents": []}, model_storage, resource)
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        guarded = set(self.config["intents"])
        asked: set[str] = set()  # the words of the questions the knowledge base answers
        wholes: dict[str, set[str]] = {}
        for example in training_data.intent_examples:
            if example.get(INTENT) in guarded:
                self.vocabulary.setdefault(example.get(INTENT), set()).update(words(example))
                wholes.setdefault(example.get(INTENT), set()).add(_whole(example))
            else:
                asked.update(words(example))
        # A word questions use too (的, 是, 了, 什么) tells no greeting or goodbye: 简报第59期是哪天发布的？ was
        # told 再见, sharing 的 with 好的，再见. An example itself, whole, still does (在吗, both of whose words
        # questions use).
        self.vocabulary = {intent: (ws - asked) | wholes[intent] for intent, ws in self.vocabulary.items()}
        with self._storage.write_to(self._resource) as folder:
            (folder / FILE).write_text(json.dumps({k: sorted(v) for k, v in self.vocabulary.items()},
                                                  ensure_ascii=False), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            said = words(message)
            said = said | {_whole(message)} if said else said
            # No word at all (。。。, ？？): no intent was trained on such a message, whichever DIET picks (it
            # picked follow_up for 。。。 in one training and not in another).
            wordless = not said and intent not in (None, DEFAULT_NLU_FALLBACK_INTENT_NAME)
            if wordless or intent in self.config["intents"] and not said & self.vocabulary.get(intent, set()):
                fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                            PREDICTED_CONFIDENCE_KEY: self.config["confidence"]}
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback] + list(message.get(INTENT_RANKING_KEY) or []),
                            add_to_output=True)
        return messages
