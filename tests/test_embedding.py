"""The embedding model as the index and the questions use it: precision, padding and runtime change no vector."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from knowledge.index import embedding
from knowledge.index.embedding import (BFLOAT16_MIN_TEXTS, PAD_TO_MULTIPLE_OF, embed, embed_with_spans, engine,
                                       load_model, runtime_for, serving_runtime, uses_bfloat16)

TEXTS = ["临川区不动产登记要多长时间能办完？", "一般登记5个工作日即可办结。",
         "我们主要采取了以下三项措施：一是压缩办理时限，二是精简申请材料，三是推行“一窗受理”。" * 3] * BFLOAT16_MIN_TEXTS


def test_bfloat16_gives_the_float32_vectors():
    full = embed("m3e-small", TEXTS, precision="float32")
    half = embed("m3e-small", TEXTS, precision="bfloat16")
    assert half.dtype == np.float32 and half.shape == full.shape
    assert (full * half).sum(axis=1).min() > 0.999
    assert np.allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-4)


def test_padding_to_few_lengths_leaves_vectors_as_they_are():
    model = load_model("m3e-small")
    assert model[0].processing_kwargs["text"]["pad_to_multiple_of"] == PAD_TO_MULTIPLE_OF
    padded = embed("m3e-small", TEXTS, precision="float32")
    kept = model[0].processing_kwargs
    try:
        model[0].processing_kwargs = {}
        unpadded = embed("m3e-small", TEXTS, precision="float32")
    finally:
        model[0].processing_kwargs = kept
    assert (padded * unpadded).sum(axis=1).min() > 0.99999


def test_an_unknown_precision_names_the_setting():
    with pytest.raises(ValueError, match="POLICYBOT_EMBED_PRECISION"):
        uses_bfloat16("float16")


def test_onnx_runtime_gives_the_pytorch_vectors():
    on_torch = embed("m3e-small", TEXTS, precision="float32", runtime="torch")
    on_onnx = embed("m3e-small", TEXTS, precision="float32", runtime="onnx")
    assert type(load_model("m3e-small", "onnx")[0].model).__name__ == "OnnxEncoder"  # not fallen back to PyTorch
    assert on_onnx.dtype == np.float32 and on_onnx.shape == on_torch.shape
    assert (on_torch * on_onnx).sum(axis=1).min() > 0.99999
    one = embed("m3e-small", TEXTS[:1], runtime="onnx")  # a question alone, as the bot embeds it
    assert float(one[0] @ on_torch[0]) > 0.99999


def test_auto_runtime_is_onnx_unless_the_model_runs_in_bfloat16():
    assert runtime_for("auto", "float32") == "onnx"
    assert runtime_for("auto", "float32", texts=1) == "torch"  # a question: the action server loads no session
    assert serving_runtime("auto") == "torch" and serving_runtime("onnx") == "onnx"  # and nor do its batches
    assert runtime_for("auto", "bfloat16") == "torch"
    assert runtime_for("torch", "float32") == "torch"
    assert engine("auto", "float32") == "onnx float32" and engine("auto", "bfloat16") == "torch bfloat16"
    with pytest.raises(ValueError, match="POLICYBOT_EMBED_RUNTIME"):
        runtime_for("tensorrt")


def test_a_model_whose_onnx_vectors_differ_stays_on_pytorch(monkeypatch, caplog):
    loaded = load_model.__wrapped__("m3e-small")  # a copy of its own: the cached one is shared by the other tests
    network = loaded[0].model
    monkeypatch.setattr(embedding, "SAME_VECTORS", 1.01)  # no vector can be this close: the check must refuse
    with caplog.at_level(logging.WARNING, logger=embedding.__name__):
        embedding._run_on_onnx(loaded, "m3e-small")
    assert loaded[0].model is network
    assert "runs on PyTorch" in caplog.text and "POLICYBOT_EMBED_RUNTIME" in caplog.text
    assert loaded.encode(TEXTS[:2], normalize_embeddings=True).shape == (2, 512)


SENTENCES = ["临川区不动产登记一般5个工作日即可办结。", "停车场收费标准由物价部门核定。", "社区卫生服务中心周末照常接诊。"]


def test_span_vectors_come_from_the_texts_own_pass():
    chunk = "临川区便民服务\n" + "".join(SENTENCES)
    spans = [(chunk.index(s), chunk.index(s) + len(s)) for s in SENTENCES]
    texts = [chunk, "无关的短句。"]
    vectors, pooled = embed_with_spans("m3e-small", texts, [spans, []], precision="float32")
    assert (vectors * embed("m3e-small", texts, precision="float32")).sum(axis=1).min() > 0.9999  # the texts' own
    assert pooled[0].shape == (3, vectors.shape[1]) and pooled[1].shape == (0, vectors.shape[1])
    assert np.allclose(np.linalg.norm(pooled[0], axis=1), 1.0, atol=1e-4)
    alone = embed("m3e-small", SENTENCES, precision="float32")
    # Each sentence read alone (as a question close to it would be) is nearest its own span among the chunk's:
    # the span's vector pools that span's tokens, not the whole chunk's (all three share the chunk's context).
    assert ((pooled[0] @ alone.T).argmax(axis=0) == np.arange(3)).all()


def test_a_span_past_the_length_limit_is_embedded_alone():
    tail = SENTENCES[1]
    text = "一" * 600 + tail  # beyond 512 tokens: the model never reads the tail in this text
    _, pooled = embed_with_spans("m3e-small", [text], [[(600, 600 + len(tail))]], precision="float32")
    assert float(pooled[0][0] @ embed("m3e-small", [tail], precision="float32")[0]) > 0.9999
