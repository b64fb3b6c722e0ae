"""Shared fixtures: the real model and a real index of the shipped corpus, built once per test session."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.config import PROJECT_ROOT, Settings
from knowledge.index.building import build_index

CORPUS = PROJECT_ROOT / "knowledge" / "corpus"
# The evaluation data lives beside the repository (never copied into it); POLICYBOT_EVAL_DIR overrides.
SHARED_EVAL = Path(os.environ.get("POLICYBOT_EVAL_DIR", PROJECT_ROOT.parent / "shared" / "eval"))


@pytest.fixture(scope="session")
def dev_questions() -> Path:
    path = SHARED_EVAL / "dev_questions.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found: put shared/ beside the repository or set POLICYBOT_EVAL_DIR")
    return path


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory) -> Settings:
    settings = Settings(index_dir=tmp_path_factory.mktemp("index"))
    build_index(settings, progress=False)
    return settings


@pytest.fixture(scope="session")
def kb(corpus_settings) -> KnowledgeBase:
    return KnowledgeBase.load(corpus_settings)


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """A copy of two shipped documents, to change and re-index."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("001_3bffe2b40b3aca62.txt", "004_7877965d32ecbab8.txt"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


# The dialogue layer: a small Rasa model trained once per session, the real Rasa and action servers.
EPOCHS = 40  # enough for these intents; the shipped config trains longer
# Test servers listen on 15005 and up; POLICYBOT_TEST_PORT_OFFSET moves them, for two test runs at once.
PORT_OFFSET = int(os.environ.get("POLICYBOT_TEST_PORT_OFFSET", "0"))


def port(n: int) -> int:
    return n + PORT_OFFSET


@pytest.fixture(scope="session")
def rasa_model(tmp_path_factory):
    import yaml

    from bot.rasa_model import RASA_BIN, ensure_model

    if not RASA_BIN.exists():
        pytest.skip(f"{RASA_BIN} missing: run `make install-rasa`")
    folder = tmp_path_factory.mktemp("rasa")
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    for step in config["pipeline"]:
        if step["name"] == "DIETClassifier":
            step["epochs"] = EPOCHS
    test_config = folder / "config.yml"
    test_config.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return ensure_model(config=test_config, out=folder / "models", quiet=True)


def endpoints_file(folder: Path, action_port: int) -> Path:
    """Rasa's endpoints for a test: the action server on action_port, a tracker store in folder."""
    import yaml

    path = folder / f"endpoints-{action_port}.yml"
    path.write_text(yaml.safe_dump({
        "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"},
        "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(folder / "tracker.db")},
    }), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def make_endpoints():
    return endpoints_file


@pytest.fixture(scope="session")
def stack_settings(corpus_settings, tmp_path_factory) -> Settings:
    """The shipped corpus, copied with its index into a folder of the session's own (a test changes a document
    under the running stack, tests/test_live_updates.py), with feedback and other run-time data beside it."""
    folder = tmp_path_factory.mktemp("stack-knowledge")
    shutil.copytree(CORPUS, folder / "corpus")
    shutil.copytree(corpus_settings.index_dir, folder / "index")
    settings = corpus_settings.replace(corpus_dir=folder / "corpus", index_dir=folder / "index",
                                       data_dir=tmp_path_factory.mktemp("data"))
    build_index(settings, progress=False)  # the same documents: a new manifest naming this corpus, nothing embedded
    return settings


# The test stack's WeChat accounts (tests/test_wechat.py plays WeChat's server against them): one answering in
# time, one whose reply deadline no answer meets, so that its answers go through the customer-service API, which
# both reach at a local stub on WECHAT_API_PORT (started by the tests that need it).
WECHAT_API_PORT = port(15091)
WECHAT_ACCOUNT = {"token": "policybot-test-token", "app_id": "wx0123456789abcdef", "app_secret": "test-app-secret",
                  "encoding_aes_key": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",  # base64 of bytes 0..31
                  "public_url": "https://policybot.example.gov.cn",
                  "api_base_url": f"http://127.0.0.1:{WECHAT_API_PORT}/cgi-bin/", "reply_deadline_s": 4.0}
WECHAT_TIGHT_ACCOUNT = {**WECHAT_ACCOUNT, "token": "policybot-tight-token", "app_id": "wxfedcba9876543210",
                        "reply_deadline_s": 0.005}


def credentials_file(folder: Path) -> Path:
    """credentials.yml with the test WeChat accounts in place of the one configured from the environment."""
    import yaml

    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text(encoding="utf-8"))
    credentials["channels.wechat.WeChatInput"] = WECHAT_ACCOUNT
    credentials["tests.wechat_accounts.TightDeadlineWeChat"] = WECHAT_TIGHT_ACCOUNT
    path = folder / "credentials.yml"
    path.write_text(yaml.safe_dump(credentials, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def stack(rasa_model, stack_settings, tmp_path_factory):
    from bot.serve import start_stack

    folder = tmp_path_factory.mktemp("stack")
    running = start_stack(stack_settings, rasa_model, rasa_port=port(15005), actions_port=port(15055),
                          endpoints=endpoints_file(folder, port(15055)), log_dir=folder,
                          credentials=credentials_file(folder))
    yield running
    running.stop()


class Clients:
    """Threads that keep talking to the bot until the `with` block ends (subclasses give `self.threads`)."""

    threads: list[threading.Thread]
    join_timeout = 90.0  # seconds each thread gets to finish its turn once stopped

    def __init__(self) -> None:
        self.stop = threading.Event()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=self.join_timeout)
