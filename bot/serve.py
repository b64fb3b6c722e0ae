"""Start the whole bot: index, Rasa model, action server and Rasa; wait until healthy; stop all on Ctrl-C."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from knowledge.config import PROJECT_ROOT, Settings
from knowledge.indexing import build_index

from .rasa_model import RASA_BIN, ensure_model, rasa_env


@dataclass
class Stack:
    actions: subprocess.Popen
    rasa: subprocess.Popen
    rasa_url: str
    actions_url: str
    web: subprocess.Popen | None = None
    web_url: str = ""

    def processes(self) -> list[subprocess.Popen]:
        return [p for p in (self.web, self.rasa, self.actions) if p is not None]

    def running(self) -> bool:
        return all(p.poll() is None for p in self.processes())

    def stop(self) -> None:
        for proc in self.processes():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.processes():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _settings_env(settings: Settings) -> dict[str, str]:
    """The settings a child process needs, passed the way it reads them: as POLICYBOT_* variables."""
    return {**rasa_env(), "POLICYBOT_INDEX_DIR": str(settings.index_dir), "POLICYBOT_CORPUS": str(settings.corpus_dir),
            "POLICYBOT_MODEL": settings.model, "POLICYBOT_DATA_DIR": str(settings.data_dir),
            "POLICYBOT_MAX_MESSAGE_CHARS": str(settings.max_message_chars),
            "POLICYBOT_SESSION_RATE_LIMIT": settings.session_rate_limit,
            "POLICYBOT_ADDRESS_RATE_LIMIT": settings.address_rate_limit}


def start_web(settings: Settings, rasa_url: str, actions_url: str, log: Path | None = None) -> subprocess.Popen:
    out = open(log, "a") if log else None
    cmd = [sys.executable, "-m", "bot.cli", "web", "--host", settings.web_host, "--port", str(settings.web_port),
           "--rasa-url", rasa_url, "--actions-url", actions_url]
    return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=_settings_env(settings), stdout=out,
                            stderr=subprocess.STDOUT if out else None)


def start_actions(settings: Settings, port: int = 5055, log: Path | None = None) -> subprocess.Popen:
    env = {**_settings_env(settings), "SANIC_HOST": "127.0.0.1"}
    out = open(log, "a") if log else None
    return subprocess.Popen([sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(port)],
                            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if out else None)


def start_rasa(model: Path, port: int = 5005, endpoints: Path | None = None, log: Path | None = None) -> subprocess.Popen:
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    out = open(log, "a") if log else None
    cmd = [str(RASA_BIN), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port), "--model", str(model),
           "--endpoints", str(endpoints or PROJECT_ROOT / "endpoints.yml"), "--credentials", "credentials.yml"]
    return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=rasa_env(), stdout=out, stderr=subprocess.STDOUT if out else None)


def wait_healthy(url: str, proc: subprocess.Popen, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} not healthy at {url} after {timeout:.0f} s")


def start_stack(settings: Settings, model: Path, rasa_port: int = 5005, actions_port: int = 5055,
                endpoints: Path | None = None, log_dir: Path | None = None, web: bool = False) -> Stack:
    """The action server and Rasa, and with web=True the chat page's gateway on settings.web_port."""
    logs = (log_dir / "actions.log", log_dir / "rasa.log", log_dir / "web.log") if log_dir else (None, None, None)
    actions = start_actions(settings, actions_port, logs[0])
    rasa = start_rasa(model, rasa_port, endpoints, logs[1])
    stack = Stack(actions, rasa, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}")
    try:
        if web:
            from .web import public_url

            stack.web = start_web(settings, stack.rasa_url, stack.actions_url, logs[2])
            stack.web_url = public_url(settings)
        wait_healthy(f"{stack.actions_url}/health", actions, "the action server")
        wait_healthy(f"{stack.rasa_url}/webhooks/rest/", rasa, "Rasa")
        if stack.web is not None:
            wait_healthy(f"http://127.0.0.1:{settings.web_port}/", stack.web, "the web gateway")
    except BaseException:
        stack.stop()
        raise
    return stack


def serve(settings: Settings) -> int:
    started = time.monotonic()
    build_index(settings)
    print("checking the Rasa model (trains only when the training data changed)…", flush=True)
    model = ensure_model()
    stack = start_stack(settings, model, web=True)
    print(f"\npolicybot is up in {time.monotonic() - started:.0f} s\n"
          f"  chat page:     {stack.web_url}   <- open this in a browser\n"
          f"  REST channel:  {stack.rasa_url}/webhooks/rest/webhook  (POST {{\"sender\": \"id\", \"message\": \"问题\"}})\n"
          f"  action server: {stack.actions_url}\n"
          f"  try:           .venv/bin/policybot ask --via {stack.rasa_url} \"怎么办理不动产登记？\"\n"
          "Ctrl-C stops everything.", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if sys.stdin.isatty():
            try:
                _chat(stack.rasa_url)
            except EOFError:
                return 0
        while stack.running():
            time.sleep(1)
        print("a bot process stopped; shutting down", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the children the same way Ctrl-C does


def _chat(url: str) -> None:
    """Talk to the running bot from the terminal, through the REST channel, as one conversation."""
    import uuid

    from .rest_client import send

    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print("在下面输入问题与 policybot 对话（Ctrl-C 退出）：", flush=True)
    with httpx.Client(timeout=120) as client:
        while True:
            text = input("你> ").strip()
            if not text:
                continue
            for m in send(client, url, sender, text):
                if m.get("text"):
                    print(f"policybot> {m['text']}")
                elif isinstance(m.get("custom"), dict):
                    for c in m["custom"].get("citations", []):
                        print(f"    [{c['n']}] {c['title']} · {c['doc_id']} 字符 {c['start']}–{c['end']}")
