"""`python -m channels.launch_rasa run …`: Rasa's own command line, with the HTTP API's token read from the
environment (POLICYBOT_RASA_TOKEN) instead of from `--auth-token`, where every local user could read it (ps)."""
import os
import sys

from rasa.__main__ import main

if __name__ == "__main__":
    token = os.environ.pop("POLICYBOT_RASA_TOKEN", "")
    if token:
        # One argument, or a token starting with "-" would read as an option. This is the process's own list:
        # /proc/<pid>/cmdline keeps what exec was given.
        sys.argv.append(f"--auth-token={token}")
    main()
