"""Run in a subprocess by the benchmark: what `policybot serve` does (incremental index, cached Rasa model,
action server, Rasa with the REST channel) on the ports given, so that it never collides with a running bot.
Stops the stack on SIGTERM."""
from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from bot.rasa_model import ensure_model
from bot.serve import start_stack
from knowledge.config import load_settings
from knowledge.index.building import build_index


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rasa-port", type=int, required=True)
    parser.add_argument("--actions-port", type=int, required=True)
    parser.add_argument("--log-dir", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    settings = load_settings()
    build_index(settings, progress=False)
    model = ensure_model(quiet=True)
    Path(args.log_dir).mkdir(parents=True, exist_ok=True)
    stack = start_stack(settings, model, args.rasa_port, args.actions_port, log_dir=Path(args.log_dir))
    print("ready", flush=True)
    try:
        stack.supervisor.watch()
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
