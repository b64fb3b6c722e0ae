"""An FAQ entry: a curated question and its answer, with where the answer comes from and until when it holds."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime

MAX_QUESTION_CHARS = 500
MAX_ANSWER_CHARS = 20_000
MAX_FIELD_CHARS = 200  # source, dept


@dataclass(frozen=True)
class Draft:
    """What staff give for an entry (a file's row, the staff form): everything but the bookkeeping."""

    question: str
    answer: str
    source: str = ""  # where the answer comes from: a notice, a web page, a department's reply
    dept: str = ""
    valid_until: str = ""  # ISO yyyy-mm-dd, the last day it may be served; "" for no end
    enabled: bool = True

    def cleaned(self) -> "Draft":
        return replace(self, question=self.question.strip(), answer=self.answer.strip(), source=self.source.strip(),
                       dept=self.dept.strip(), valid_until=self.valid_until.strip())

    def problem(self) -> str:
        """Why this draft cannot be an entry, in words for staff ("" when it can)."""
        if not self.question.strip():
            return "the question is empty (问题为空)"
        if not self.answer.strip():
            return "the answer is empty (答案为空)"
        if len(self.question) > MAX_QUESTION_CHARS:
            return f"the question is longer than {MAX_QUESTION_CHARS} characters (问题过长)"
        if len(self.answer) > MAX_ANSWER_CHARS:
            return f"the answer is longer than {MAX_ANSWER_CHARS} characters (答案过长)"
        if len(self.source) > MAX_FIELD_CHARS or len(self.dept) > MAX_FIELD_CHARS:
            return f"the source or department is longer than {MAX_FIELD_CHARS} characters (来源或部门过长)"
        if self.valid_until and parse_day(self.valid_until) is None:
            return (f"valid_until {self.valid_until!r} is not a date: write it as 2026-12-31 "
                    "(有效期应写成 2026-12-31)")
        return ""


@dataclass(frozen=True)
class Entry(Draft):
    id: int = 0
    created: str = ""  # local time, ISO, to the second
    updated: str = ""

    def served_on(self, day: date) -> bool:
        """Enabled and not expired on `day` (valid_until is the last day it is served)."""
        end = parse_day(self.valid_until) if self.valid_until else None
        return self.enabled and (end is None or day <= end)

    def draft(self) -> Draft:
        return Draft(self.question, self.answer, self.source, self.dept, self.valid_until, self.enabled)

    def to_json(self) -> dict:
        return {"id": self.id, "question": self.question, "answer": self.answer, "source": self.source,
                "dept": self.dept, "valid_until": self.valid_until, "enabled": self.enabled,
                "created": self.created, "updated": self.updated}

    @classmethod
    def from_json(cls, row: dict) -> "Entry":
        return cls(str(row.get("question", "")), str(row.get("answer", "")), str(row.get("source") or ""),
                   str(row.get("dept") or ""), str(row.get("valid_until") or ""), bool(row.get("enabled", True)),
                   int(row.get("id") or 0), str(row.get("created") or ""), str(row.get("updated") or ""))


_DAY = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def parse_day(text: str) -> date | None:
    """A day as staff write it: 2026-12-31, 2026/12/31, 2026.12.31, 2026年12月31日, or a spreadsheet's
    "2026-12-31 00:00:00"; None when it is none of these."""
    found = _DAY.match(text or "")
    if not found:
        return None
    try:
        return date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


def normal_day(text: str) -> str:
    """valid_until as stored: ISO yyyy-mm-dd (or "" for none); text that is not a date is kept for problem()."""
    day = parse_day(text) if text and text.strip() else None
    return day.isoformat() if day else (text or "").strip()


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
