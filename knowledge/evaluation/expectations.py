"""Questions with what their answer should cite, as ../shared/eval/dev_questions.jsonl gives them."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Expectation:
    question: str
    doc: str | None  # prefix of the expected document's file name; None: the question must be declined
    any: tuple[str, ...]
    kind: str = ""
    id: str = ""


def load_expectations(path: Path) -> list[Expectation]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not a JSON object ({exc.msg})") from exc
        question = row.get("q") or row.get("question")
        if not question:
            raise ValueError(f"{path}:{n}: no \"q\" or \"question\" field")
        out.append(Expectation(question, row.get("doc"), tuple(row.get("any") or ()), row.get("kind", ""),
                               str(row.get("id", n))))
    return out
