"""Which documents are about which places, by place stem (临川 for 临川区): built when a knowledge base loads,
since answering asks it for every question that names a place or is answered from a document about one."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..models import Chunk, Document, file_of
from ..text.places import place_stem, section_places


@dataclass(frozen=True)
class PlaceIndex:
    stems_by_doc: dict[str, frozenset[str]]
    docs_by_stem: dict[str, frozenset[str]]
    # A chunk of one place's section of a document about several (南昌's briefing, a section per district): the
    # places it is about, when they are not all of its document's.
    sections: dict[str, frozenset[str]] = field(default_factory=dict)
    # Per stem, the chunks of documents about it that belong to another place's section.
    outside: dict[str, frozenset[str]] = field(default_factory=dict)
    named: dict[str, frozenset[str]] = field(default_factory=dict)  # a section chunk's own places, by its heading

    @classmethod
    def of(cls, docs: Iterable[Document], chunks: Mapping[str, Sequence[Chunk]] | None = None) -> "PlaceIndex":
        """The parts of a large file share the places of all its parts: a part that never names 新余 is still part
        of 新余's yearbook. A chunk whose heading names some of its document's places that the title does not (the
        chunking's section heading, 湾里管理局“五项措施” · ……) is about those, and about no other section's."""
        docs = list(docs)
        by_file: dict[str, set[str]] = {}
        for d in docs:
            by_file.setdefault(file_of(d.doc_id), set()).update(place_stem(p) for p in d.meta.places)
        stems_by_doc = {d.doc_id: frozenset(by_file[file_of(d.doc_id)]) for d in docs}
        by_stem: dict[str, set[str]] = {}
        for doc_id, stems in stems_by_doc.items():
            for stem in stems:
                by_stem.setdefault(stem, set()).add(doc_id)
        sections: dict[str, frozenset[str]] = {}
        outside: dict[str, set[str]] = {}
        own: dict[str, frozenset[str]] = {}
        for d in docs:
            named = {c.chunk_id: {place_stem(p) for p in section_places(c.heading, d.meta.title, d.meta.places)}
                     for c in (chunks or {}).get(d.doc_id, ())}
            every = set().union(*named.values())
            for chunk_id, stems in named.items():
                if stems:
                    own[chunk_id] = frozenset(stems)
                    sections[chunk_id] = frozenset((stems_by_doc[d.doc_id] - every) | stems)
                    for other in every - stems:
                        outside.setdefault(other, set()).add(chunk_id)
        return cls(stems_by_doc, {stem: frozenset(ids) for stem, ids in by_stem.items()}, sections,
                   {stem: frozenset(ids) for stem, ids in outside.items()}, own)

    def stems(self, doc_id: str) -> frozenset[str]:
        """The place stems the document is about (none for a document about no place in particular)."""
        return self.stems_by_doc[doc_id]

    def chunk_stems(self, chunk: Chunk) -> frozenset[str]:
        """The place stems the chunk is about: its section's, or its document's."""
        return self.sections.get(chunk.chunk_id) or self.stems_by_doc[chunk.doc_id]

    def section_of(self, chunk: Chunk) -> frozenset[str]:
        """The places the chunk's section heading names (湾里, 湾里管理局); none outside a place's section."""
        return self.named.get(chunk.chunk_id, frozenset())

    def docs_about(self, stem: str) -> frozenset[str]:
        return self.docs_by_stem.get(stem, frozenset())

    def outside_of(self, stems: Iterable[str]) -> frozenset[str]:
        """The chunks of documents about these places that belong to sections about none of them."""
        stems = frozenset(stems)
        return frozenset(c for s in stems for c in self.outside.get(s, ()) if not self.sections[c] & stems)
