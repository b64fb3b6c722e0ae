"""Live updates: `policybot index` while the bot runs makes it answer from the new build within seconds, without
a restart and without a failed request. In process (LiveKnowledgeBase: the old knowledge base serves until the
new one is loaded, then one reference is replaced) and under the running stack (real Rasa, real action server,
the gateway's document view following). The seconds measured go to test-artifacts/live-update.json."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.rest_client import send
from bot.web import create_app
from conftest import CORPUS, Clients
from knowledge.answer.answering import answer_question
from knowledge.answer.live import LiveKnowledgeBase
from knowledge.config import PROJECT_ROOT
from knowledge.index.building import build_index

DOC = "003_bcdb5700d7b60944.txt"  # 吉阳区 (see knowledge/corpus/README.md)
NEW_FACT = "吉阳区政务服务中心设立夜间延时服务窗口，每周二、周四晚上开放至21时。"
ASKED = "吉阳区夜间延时服务窗口什么时候开放？"
UNCHANGED = "新余为多少家企业建立了信用档案？"  # about another document, asked throughout
APOLOGY = "服务暂时不可用"


def _add_the_fact(corpus) -> bytes:
    """Appends NEW_FACT to DOC in `corpus`; returns the file's bytes before."""
    path = corpus / DOC
    before = path.read_bytes()
    path.write_bytes(before.rstrip(b"\n") + f"\n{NEW_FACT}\n".encode("utf-8"))
    return before


@pytest.fixture
def own_copy(corpus_settings, tmp_path):
    """The shipped corpus and its index, copied: this test's to change."""
    shutil.copytree(CORPUS, tmp_path / "corpus")
    shutil.copytree(corpus_settings.index_dir, tmp_path / "index")
    settings = corpus_settings.replace(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    build_index(settings, progress=False)
    return settings


def test_a_new_build_is_swapped_in_and_the_old_knowledge_base_keeps_answering(own_copy):
    live = LiveKnowledgeBase(own_copy)
    old = live.current()
    assert live.refresh() is False  # nothing new
    assert not answer_question(old, ASKED).answered
    _add_the_fact(own_copy.corpus_dir)
    build_index(own_copy, progress=False)
    assert live.current() is old  # nothing changes until it is looked for
    assert live.refresh() is True
    new = live.current()
    assert new is not old and new.build != old.build and live.loaded.build == new.build
    assert NEW_FACT in answer_question(new, ASKED).answer
    # The old build's folder is gone (pruned by the commit), yet a request still holding the old knowledge
    # base finishes on it: it was read wholly into memory.
    assert not (own_copy.index_dir / old.build).exists()
    assert not answer_question(old, ASKED).answered
    assert answer_question(old, UNCHANGED).answered and NEW_FACT not in old.docs[DOC].original


def test_a_build_that_does_not_load_leaves_the_old_one_serving(own_copy):
    live = LiveKnowledgeBase(own_copy)
    old = live.current()
    build_index(own_copy.replace(chunk_size=200), progress=False)  # other settings than the server's
    assert live.refresh() is False and live.current() is old
    assert "chunk_size" in live.error and "policybot index" in live.error
    assert live.refresh() is False  # that build is not tried again on every poll
    build_index(own_copy, progress=False)  # a build for the server's settings again
    assert live.refresh() is True and live.error == ""


class Citizens(Clients):
    """Two citizens asking through Rasa's REST channel without pause, each message its own conversation; every
    reply is kept with the time it came back."""

    def __init__(self, rasa_url: str) -> None:
        super().__init__()
        self.url, self.replies = rasa_url, []
        self.threads = [threading.Thread(target=self._ask, args=(q,), daemon=True) for q in (ASKED, UNCHANGED)]

    def _ask(self, question: str) -> None:
        with httpx.Client(timeout=60) as client:
            while not self.stop.is_set():
                try:
                    messages = send(client, self.url, f"live-{uuid.uuid4().hex[:12]}", question)
                    text = "\n".join(m.get("text") or "" for m in messages)
                    failed = not messages or APOLOGY in text
                except httpx.HTTPError as exc:
                    text, failed = repr(exc), True
                self.replies.append((time.time(), question, text, failed))  # wall clock: CURRENT's mtime is too

    def first(self, after: float, with_fact: bool) -> float | None:
        """When the first answer to ASKED came back after `after` that holds the new fact (or lacks it)."""
        return min((t for t, q, text, _ in self.replies if q == ASKED and t > after and ("21时" in text) == with_fact),
                   default=None)


def _index(settings) -> float:
    """`policybot index` as a user runs it beside the running bot; returns when it finished."""
    done = subprocess.run([sys.executable, "-m", "bot.cli", "index", "--quiet"], cwd=PROJECT_ROOT,
                          env={**os.environ, **settings.to_env()}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return time.time()


def _wait_for(citizens: Citizens, after: float, with_fact: bool, within: float = 30) -> float:
    """Seconds from `after` (policybot index finished) to the first answer from the new build."""
    while (seen := citizens.first(after, with_fact)) is None:
        assert time.time() - after < within, f"the bot answers from the old build {within:.0f} s after policybot index"
        time.sleep(0.2)
    return seen - after


def test_a_changed_document_is_answered_by_the_running_bot_within_seconds(stack, stack_settings):
    corpus = stack_settings.corpus_dir
    gateway = TestClient(create_app(stack_settings, stack.rasa_url, stack.actions_url))
    measured = {}
    with gateway, Citizens(stack.rasa_url) as citizens:
        time.sleep(2)
        assert citizens.replies and not any(NEW_FACT in text for *_, text, _ in citizens.replies)
        before = _add_the_fact(corpus)
        try:
            indexed = _index(stack_settings)
            measured["index_to_new_answer_s"] = round(_wait_for(citizens, indexed, with_fact=True), 1)
            committed = (stack_settings.index_dir / "CURRENT").stat().st_mtime  # the new build went live
            measured["build_live_to_new_answer_s"] = round(citizens.first(committed, with_fact=True) - committed, 1)
            # The gateway asks the action server, so its document view follows too.
            shown = gateway.get("/api/document", params={"id": DOC})
            assert shown.status_code == 200 and NEW_FACT in shown.json()["text"]
        finally:
            (corpus / DOC).write_bytes(before)
            restored = _index(stack_settings)
        # Back as it was: answered from a build without the fact again.
        measured["index_to_restored_answer_s"] = round(_wait_for(citizens, restored, with_fact=False), 1)
        assert NEW_FACT not in gateway.get("/api/document", params={"id": DOC}).json()["text"]
        time.sleep(1)
    failed = [(q, text) for _, q, text, bad in citizens.replies if bad]
    assert not failed, failed[:5]
    assert sum(q == UNCHANGED for _, q, *_ in citizens.replies) >= 5
    measured["requests_during_updates"] = len(citizens.replies)
    (PROJECT_ROOT / "test-artifacts").mkdir(exist_ok=True)
    (PROJECT_ROOT / "test-artifacts" / "live-update.json").write_text(json.dumps(measured, indent=1))
    print(f"\nlive update: {measured}")


def test_a_build_that_does_not_load_is_reported_and_the_bot_answers_on(stack, stack_settings):
    """A damaged build made live (a disk error, a copy gone wrong): the action server keeps answering from the
    build it has, /api/health says why it is degraded, and all is well again once `CURRENT` names a good build."""
    index = stack_settings.index_dir
    serving = (index / "CURRENT").read_text(encoding="utf-8").strip()
    damaged = index / "build-damaged-by-test"
    shutil.copytree(index / serving, damaged)
    next((damaged / "docs").glob("*.json")).write_text("{not json", encoding="utf-8")
    with TestClient(create_app(stack_settings, stack.rasa_url, stack.actions_url)) as gateway, \
            httpx.Client(timeout=60) as client:
        try:
            (index / "CURRENT").write_text(damaged.name, encoding="utf-8")
            deadline = time.time() + 30
            while (health := gateway.get("/api/health").json())["actions"] != "degraded":
                assert time.time() < deadline, health
                time.sleep(0.5)
            assert damaged.name in health["details"]["actions"] and "policybot index" in health["details"]["actions"]
            answered = send(client, stack.rasa_url, f"live-{uuid.uuid4().hex[:12]}", UNCHANGED)
            assert any((m.get("custom") or {}).get("answered") for m in answered), answered
        finally:
            (index / "CURRENT").write_text(serving, encoding="utf-8")
            shutil.rmtree(damaged)
        deadline = time.time() + 30
        while (health := gateway.get("/api/health").json())["actions"] != "ok":
            assert time.time() < deadline, health
            time.sleep(0.5)
