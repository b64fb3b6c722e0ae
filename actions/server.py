"""The action server: rasa-sdk's app (Rasa's /webhook and /health, the actions of actions/actions.py) with
the knowledge API (actions/knowledge_api.py) beside it, in one process holding the one live knowledge base.

    python -m actions.server --port 5055        (what `policybot serve` starts, on 127.0.0.1)
"""
from __future__ import annotations

import argparse
import logging
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server", description=__doc__)
    parser.add_argument("-p", "--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("SANIC_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)

    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_app

    utils.configure_colored_logging("INFO")
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    utils.update_sanic_log_level()
    # Importing the actions loads the knowledge base (and starts following new index builds).
    app = create_app("actions", cors_origins=None)
    from .actions import faq, live
    from .knowledge_api import routes

    app.blueprint(routes(live(), faq()))
    logging.getLogger(__name__).info("action server and knowledge API on http://%s:%d", args.host, args.port)
    # One worker: a second would load a second knowledge base and model.
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
