"""The embedding model as the index and the questions use it: precision and padding change no vector."""
from __future__ import annotations

import numpy as np
import pytest

from knowledge.index.embedding import BFLOAT16_MIN_TEXTS, PAD_TO_MULTIPLE_OF, embed, load_model, uses_bfloat16

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
