"""Retrieval latency and memory at about 1k, 10k and 100k chunks, each size in its own process."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile

from tqdm import tqdm

from knowledge.config import PROJECT_ROOT

from .systems import PolicybotCorpus


def scaling(corpora: list[PolicybotCorpus], questions: list[str], sizes: tuple[int, ...]) -> dict:
    bundles = [b for c in corpora for b in c.bundles]
    q_tokens, q_vecs = corpora[0].query(questions, True)
    state = {"bundles": bundles, "settings": corpora[0].settings, "q_tokens": q_tokens, "q_vecs": q_vecs}
    out = {"base_chunks": sum(len(b.chunks) for b in bundles), "questions": len(questions), "sizes": {}}
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as fh:
        pickle.dump(state, fh)
    try:
        for size in tqdm(sizes, desc="scaling", leave=False):
            res = subprocess.run([sys.executable, "-m", "bench.scaling_probe", "--state", fh.name, "--size", str(size)],
                                 cwd=PROJECT_ROOT, capture_output=True, text=True)
            if res.returncode != 0:
                raise RuntimeError(f"bench.scaling_probe --size {size} failed: {res.stderr[-2000:]}")
            out["sizes"][str(size)] = json.loads(res.stdout.strip().splitlines()[-1])
    finally:
        os.unlink(fh.name)
    return out

