"""Curated FAQ entries as a file staff can edit and import again: .csv (UTF-8 with BOM), .xlsx or .jsonl, with
the columns knowledge/faq/files.py reads (spreadsheet cells made safe by bot/spreadsheet.py)."""
from __future__ import annotations

import io
import json
from collections.abc import Sequence

from knowledge.faq.entry import Entry
from knowledge.faq.files import EXPORT_COLUMNS

from . import spreadsheet

FORMATS = {".csv": "text/csv; charset=utf-8", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           ".jsonl": "application/x-ndjson; charset=utf-8"}


def export_bytes(entries: Sequence[Entry], suffix: str) -> bytes:
    """The entries in the format of `suffix` (.csv, .xlsx or .jsonl); ValueError for another."""
    suffix = suffix.lower()
    if suffix == ".jsonl":
        return "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in entries).encode("utf-8")
    rows = ([e.to_json()[c] if c != "enabled" else int(e.enabled) for c in EXPORT_COLUMNS] for e in entries)
    if suffix == ".csv":
        return spreadsheet.csv_bytes(EXPORT_COLUMNS, rows)
    if suffix == ".xlsx":
        buffer = io.BytesIO()
        spreadsheet.write_xlsx(buffer, EXPORT_COLUMNS, rows, sheet="FAQ")
        return buffer.getvalue()
    raise ValueError(f"cannot export to {suffix or '(no extension)'!r}: use .csv, .xlsx or .jsonl")
