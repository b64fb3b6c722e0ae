"""Which documents are about which places, by place stem (临川 for 临川区): built when a knowledge base loads,
since answering asks it for every question that names a place or is answered from a document about one."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..models import Document, file_of
from ..text.places import place_stem


@dataclass(frozen=True)
class PlaceIndex:
    stems_by_doc: dict[str, frozenset[str]]
    docs_by_stem: dict[str, frozenset[str]]

    @classmethod
    def of(cls, docs: Iterable[Document]) -> "PlaceIndex":
        """The parts of a large file share the places of all its parts: a part that never names 新余 is still part
        of 新余's yearbook."""
        docs = list(docs)
        by_file: dict[str, set[str]] = {}
        for d in docs:
            by_file.setdefault(file_of(d.doc_id), set()).update(place_stem(p) for p in d.meta.places)
        stems_by_doc = {d.doc_id: frozenset(by_file[file_of(d.doc_id)]) for d in docs}
        by_stem: dict[str, set[str]] = {}
        for doc_id, stems in stems_by_doc.items():
            for stem in stems:
                by_stem.setdefault(stem, set()).add(doc_id)
        return cls(stems_by_doc, {stem: frozenset(ids) for stem, ids in by_stem.items()})

    def stems(self, doc_id: str) -> frozenset[str]:
        """The place stems the document is about (none for a document about no place in particular)."""
        return self.stems_by_doc[doc_id]

    def docs_about(self, stem: str) -> frozenset[str]:
        return self.docs_by_stem.get(stem, frozenset())
