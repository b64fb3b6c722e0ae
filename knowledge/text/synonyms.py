"""What people say for what the documents call it: 房产证 for 不动产权证书, 社保卡 for 社会保障卡.

Citizens ask in everyday words and policy documents use the official ones, which share no characters with
them (房产证 / 不动产登记), so neither BM25 nor the question's subject words can match. The table is a text
file the deployment edits (Settings.synonyms); no library has such a table for government Chinese.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class SynonymsFileError(ValueError):
    pass


@dataclass(frozen=True)
class Synonyms:
    """alias -> the documents' term, applied to a simplified question."""

    terms: dict[str, str]
    _aliases: re.Pattern = field(init=False, repr=False, compare=False)
    _canonical: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_aliases", _alternation(self.terms))
        object.__setattr__(self, "_canonical", _alternation(set(self.terms.values())))

    def rewrite(self, simplified: str) -> str:
        """The question in the documents' words. An alias inside the documents' own term (公积金 in 住房公积金)
        is left alone."""
        if not self.terms:
            return simplified
        protected = [m.span() for m in self._canonical.finditer(simplified)]

        def replace(m: re.Match) -> str:
            inside = any(a <= m.start() and m.end() <= b for a, b in protected)
            return m.group(0) if inside else self.terms[m.group(0)]

        return self._aliases.sub(replace, simplified)

    def only(self, used: Callable[[str], bool]) -> Synonyms:
        """The entries whose term `used` says the documents use; the others' sayings stay as they are (and so
        keep 社保卡 whole, which 社保 would otherwise turn into 社会保险卡)."""
        return Synonyms({alias: term if used(term) else alias for alias, term in self.terms.items()})


def _alternation(words) -> re.Pattern:
    # Longest first, so that 社保卡 wins over 社保. An empty table matches nothing.
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, ordered)) if ordered else r"(?!x)x")


NONE = Synonyms({})


def load_synonyms(path: Path | None) -> Synonyms:
    """Lines `文件用语: 说法 说法 …` (simplified; `#` starts a comment). No file: no synonyms."""
    if path is None or not path.exists():
        return NONE
    terms: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        term, sep, aliases = line.partition(":")
        if not sep:
            term, sep, aliases = line.partition("：")
        words = aliases.split()
        if not sep or not term.strip() or not words:
            raise SynonymsFileError(f"{path}:{number}: expected `文件用语: 说法 说法`, got {line!r}")
        for alias in words:
            if alias in terms and terms[alias] != term.strip():
                raise SynonymsFileError(f"{path}:{number}: {alias} already stands for {terms[alias]}; give it one term")
            terms[alias] = term.strip()
    return Synonyms(terms)
