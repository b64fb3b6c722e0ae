"""Train the Rasa model only when its training data or configuration changed (by fingerprint)."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from knowledge.config import PROJECT_ROOT

RASA_BIN = Path(os.environ.get("POLICYBOT_RASA", PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"))
MODELS = PROJECT_ROOT / "models"
_INPUTS = ("config.yml", "domain.yml", "data", "knowledge/dictionary", "channels/intent_guard.py")


def fingerprint(root: Path = PROJECT_ROOT, config: Path | None = None) -> str:
    digest = hashlib.sha256()
    files = []
    for name in _INPUTS:
        path = root / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    if config is not None:
        files[0] = config
    for path in files:
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def rasa_env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(PROJECT_ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "2"}


def model_path(config: Path | None = None, out: Path = MODELS) -> Path:
    """Where the model for the current training data is (or will be, once trained)."""
    return out / f"policybot-{fingerprint(config=config)}.tar.gz"


def ensure_model(config: Path | None = None, out: Path = MODELS, quiet: bool = False, log: Path | None = None) -> Path:
    """The model for the current training data: reused when its fingerprint matches, else trained. Rasa's
    output goes to `log` when given (TensorFlow's and setuptools' warnings included), else to the terminal,
    or nowhere with quiet=True."""
    if not RASA_BIN.exists():
        raise FileNotFoundError(f"{RASA_BIN} not found: run `make install-rasa` (creates .venv-rasa with Rasa 3.6)")
    model = model_path(config, out)
    if model.exists():
        return model
    out.mkdir(parents=True, exist_ok=True)
    cmd = [str(RASA_BIN), "train", "--config", str(config or PROJECT_ROOT / "config.yml"), "--domain", "domain.yml",
           "--data", "data", "--out", str(out), "--fixed-model-name", model.name.removesuffix(".tar.gz")]
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as f:
            result = subprocess.run(cmd, cwd=PROJECT_ROOT, env=rasa_env(), stdout=f, stderr=subprocess.STDOUT)
    else:
        result = subprocess.run(cmd, cwd=PROJECT_ROOT, env=rasa_env(), capture_output=quiet, text=True)
    if result.returncode != 0 or not model.exists():
        detail = (result.stderr or "")[-2000:] if quiet else ""
        where = f"its output is in {log}" if log is not None else f"run `{' '.join(cmd)}` to see why"
        raise RuntimeError(f"rasa train failed (exit {result.returncode}); {where}\n{detail}")
    for old in out.glob("policybot-*.tar.gz"):
        if old != model:
            old.unlink()
    return model
