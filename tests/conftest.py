"""Shared fixtures: the real model and a real index of the shipped corpus, built once per test session."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from knowledge.config import PROJECT_ROOT, Settings
from knowledge.indexing import build_index
from knowledge.search import KnowledgeBase

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
