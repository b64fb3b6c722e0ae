"""Index speed on real multi-paragraph documents: characters indexed per second by the product's full build.

The corpus is every DRCD dev and test article of more than one paragraph (the paragraphs of one title, in order,
under the title) and the Taipei FAQ grouped by department (each pair's question as a heading over its answer):
515 real documents of several paragraphs, 1.17 M characters, traditional Chinese as many citizens write it."""
from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path

from knowledge.config import load_settings
from knowledge.index.embedding import engine, uses_bfloat16
from knowledge.index.workers import worker_count

from .speed import build_probe

DRCD_FILES = ("drcd/DRCD_dev.json", "drcd/DRCD_test.json")
FAQ_FILE = "taipei_faq/faq.jsonl"


def speed_documents(eval_dir: Path) -> dict[str, str]:
    """File name -> text of each document of the speed corpus."""
    docs: dict[str, str] = {}
    for name in DRCD_FILES:
        for k, article in enumerate(json.loads((eval_dir / name).read_text(encoding="utf-8"))["data"]):
            paragraphs = [p["context"].strip() for p in article["paragraphs"]]
            if len(paragraphs) > 1:
                docs[f"{Path(name).stem}-{k:04d}.txt"] = "\n\n".join([article["title"], *paragraphs]) + "\n"
    by_dept: dict[str, list[str]] = defaultdict(list)
    for line in (eval_dir / FAQ_FILE).read_text(encoding="utf-8").splitlines():
        if line.strip():
            pair = json.loads(line)
            by_dept[pair["dept"]].append(f"{pair['question'].strip()}\n{pair['answer'].strip()}")
    for k, (dept, pairs) in enumerate(sorted(by_dept.items())):
        docs[f"taipei-{k:03d}.txt"] = "\n\n".join([dept, *pairs]) + "\n"
    return docs


# What may compute the vectors, as (POLICYBOT_EMBED_RUNTIME, POLICYBOT_EMBED_PRECISION): the same build is timed
# with each this CPU can run, so that a machine without native bfloat16 (most of those deployed) is measured too.
ENGINES = (("onnx", "float32"), ("torch", "float32"), ("torch", "bfloat16"))


def index_speed(eval_dir: Path) -> dict:
    """The full build (chunks and sentences embedded) of the speed corpus, from scratch, in a process of its own:
    as shipped, then with each other engine this CPU runs (under "engines")."""
    docs = speed_documents(eval_dir)
    chars = sum(map(len, docs.values()))
    settings = load_settings()
    shipped = engine(settings.embed_runtime, settings.embed_precision)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-speed-corpus-") as folder:
        for name, text in docs.items():
            Path(folder, name).write_text(text, encoding="utf-8")
        for runtime, precision in [(settings.embed_runtime, settings.embed_precision), *ENGINES]:
            name = engine(runtime, precision)
            if name in rows or (precision == "bfloat16" and not uses_bfloat16("auto")):
                continue  # measured already, or bfloat16 that this CPU would only emulate
            load = os.getloadavg()[0]
            row = build_probe(Path(folder), {"POLICYBOT_EMBED_RUNTIME": runtime, "POLICYBOT_EMBED_PRECISION": precision})
            rows[name] = {**row, "load_average_at_start": load,
                          "chars_per_s": round(chars / row["build_s"]) if row["build_s"] else None}
    return {**rows[shipped], "corpus_documents": len(docs), "corpus_chars": chars, "workers": worker_count(settings),
            "engine": shipped, "engines": rows}
