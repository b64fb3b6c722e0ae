"""The knowledge package's layers: answering (and the briefings and curated FAQ answers built on it) never imports
ingestion."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

from knowledge.config import PROJECT_ROOT

# Run in a fresh interpreter: this test process has imported everything already.
_ANSWER_ONE = """
import json, sys
from knowledge.answer.answering import answer_question
from knowledge.answer.dialogue import contextualize
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.suggestions import suggest_questions
from knowledge.briefing.briefing import prepare_briefing
from knowledge.briefing.render import to_markdown
from knowledge.config import load_settings
from knowledge.faq.answering import answer_with_faq
from knowledge.faq.book import FaqBook
from knowledge.faq.entry import Draft

kb = KnowledgeBase.load(load_settings())
suggest_questions(kb, 1)
answered = answer_question(kb, contextualize(kb, "那需要多长时间？", "临川区怎么办理不动产登记？")).answered
book = FaqBook(load_settings())
book.save([Draft("护照怎么办理？", "到出入境管理处办理。")])
answered = answered and answer_with_faq(kb, book, "护照怎么办理").curated_entry is not None
to_markdown(prepare_briefing(kb, "不动产登记"))
print(json.dumps({"answered": answered, "ingest": sorted(m for m in sys.modules if m.startswith("knowledge.ingest"))}))
"""


def test_answering_loads_no_ingestion_module(corpus_settings, tmp_path):
    env = {**os.environ, **corpus_settings.replace(data_dir=tmp_path).to_env()}
    out = subprocess.run([sys.executable, "-c", _ANSWER_ONE], cwd=PROJECT_ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"answered": True, "ingest": []}


LAYERS = ("text", "ingest", "index", "answer", "briefing", "evaluation", "faq")  # in the order a document flows


def _imported(path) -> set[str]:
    """The knowledge modules a file imports (relative or absolute, at the top or inside functions)."""
    package = ["knowledge", *path.relative_to(PROJECT_ROOT / "knowledge").parent.parts]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            out.add(".".join(base + (node.module.split(".") if node.module else [])))
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {m for m in out if m.startswith("knowledge.")}


def test_each_layer_imports_only_the_layers_before_it():
    for i, layer in enumerate(LAYERS):
        allowed = {"models", "config", "sqlite_file", *LAYERS[:i + 1]}  # the modules beside the layers
        for path in sorted((PROJECT_ROOT / "knowledge" / layer).rglob("*.py")):
            wrong = {m for m in _imported(path) if m.split(".")[1] not in allowed}
            assert not wrong, f"{path.relative_to(PROJECT_ROOT)} imports {sorted(wrong)}, of a later layer"
    ingest_users = {path.relative_to(PROJECT_ROOT).as_posix() for path in (PROJECT_ROOT / "knowledge" / "index").rglob("*.py")
                    if any(m.startswith("knowledge.ingest") for m in _imported(path))}
    # building, its workers and bundling read and chunk documents; loading and searching an index do not
    assert ingest_users == {"knowledge/index/building.py", "knowledge/index/workers.py", "knowledge/index/bundling.py"}


# The gateway and the supervisor as their commands build them: the app with its routers, the stack's children.
_LIGHT_PROCESSES = """
import json, sys
from bot import cli, serve, supervisor
from bot.web import create_app
from knowledge.config import load_settings

settings = load_settings()
app = create_app(settings, "http://127.0.0.1:9", "http://127.0.0.1:9")
serve.children(settings, serve.PROJECT_ROOT / "models" / "none.tar.gz", serve.PROJECT_ROOT / "endpoints.yml", True,
               settings.data_dir / "run" / "supervisor.json")
heavy = ("torch", "sentence_transformers", "transformers", "faiss", "lightgbm", "jieba", "knowledge.answer",
         "knowledge.index.embedding", "knowledge.briefing")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))
"""


def test_the_gateway_and_the_supervisor_load_no_model():
    """Only the action server holds the model and the knowledge base (the running processes: test_resilience)."""
    out = subprocess.run([sys.executable, "-c", _LIGHT_PROCESSES], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
