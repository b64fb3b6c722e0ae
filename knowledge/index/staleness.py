"""Whether the live build can serve a set of settings: the same model, chunking, dictionary and pipeline.

Loading a knowledge base asks this, so it reads only the manifest and the settings: nothing here imports the
readers or the rest of ingestion, which answering never needs."""
from __future__ import annotations

from ..config import Settings
from .store import read_manifest, settings_fingerprint


def fingerprint(settings: Settings, dim: int | None = None) -> dict:
    return settings_fingerprint(settings.model, dim if dim is not None else -1, settings.chunk_size,
                                settings.chunk_overlap, settings.user_dict)


def _comparable(fp: dict) -> dict:
    return {k: v for k, v in fp.items() if k != "dimensions"}


def stale_reason(settings: Settings) -> str:
    """Why the index cannot serve these settings ("" when it can)."""
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        return f"no index in {settings.index_dir}"
    want, have = _comparable(fingerprint(settings)), _comparable(manifest)
    diffs = [f"{k}: index has {have.get(k)!r}, settings say {v!r}" for k, v in want.items() if have.get(k) != v]
    return "; ".join(diffs)
