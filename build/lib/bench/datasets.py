"""CMRC 2018 dev and DRCD dev (SQuAD-shaped JSON) -> passages and questions with answer spans."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

# The dev sets measure; the trial and test sets are for fitting (the answer selector), never for measuring.
FILES = {"cmrc2018": "cmrc2018/cmrc2018_dev.json", "drcd": "drcd/DRCD_dev.json",
         "cmrc2018_trial": "cmrc2018/cmrc2018_trial.json", "drcd_test": "drcd/DRCD_test.json"}
SCRIPT = {"cmrc2018": "simplified", "drcd": "traditional", "cmrc2018_trial": "simplified", "drcd_test": "traditional"}


@dataclass(frozen=True)
class Passage:
    passage_id: str
    text: str
    title: str = ""  # the article's


@dataclass(frozen=True)
class Question:
    question_id: str
    passage_id: str
    text: str
    answer_start: int
    answer_end: int
    answer: str = ""  # the answer text, passage.text[answer_start:answer_end]


@dataclass(frozen=True)
class Dataset:
    name: str
    script: str  # simplified | traditional
    passages: list[Passage]
    questions: list[Question]


def load_dataset(eval_dir: Path, name: str) -> Dataset:
    path = eval_dir / FILES[name]
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: pass --eval-dir (make bench EVAL_DIR=...) pointing at shared/eval")
    passages, questions = [], []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for para in article["paragraphs"]:
            pid = str(para["id"])
            text = para["context"]
            passages.append(Passage(pid, text, article.get("title", "")))
            for qa in para["qas"]:
                answer = qa["answers"][0]
                start = int(answer["answer_start"])
                end = start + len(answer["text"])
                if text[start:end] != answer["text"]:  # a few spans are off: find the text instead
                    start = text.find(answer["text"])
                    end = start + len(answer["text"])
                if start >= 0:
                    questions.append(Question(str(qa["id"]), pid, qa["question"], start, end, answer["text"]))
    return Dataset(name, SCRIPT[name], passages, questions)


def sample(dataset: Dataset, passages: int | None, questions: int | None, seed: int = 0) -> Dataset:
    """A seeded sample: the first `passages` of a fixed shuffle (all when None), and up to `questions` questions
    about them. The shuffle is the same on every run, so cached embeddings of a smaller sample are reused."""
    pool = list(dataset.passages)
    random.Random(seed).shuffle(pool)
    kept = pool[:passages] if passages else pool
    ids = {p.passage_id for p in kept}
    qs = [q for q in dataset.questions if q.passage_id in ids]
    random.Random(seed + 1).shuffle(qs)
    return Dataset(dataset.name, dataset.script, kept, qs[:questions] if questions else qs)
