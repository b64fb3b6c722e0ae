"""Start the whole bot: index, Rasa model, then the action server, Rasa and the chat page's gateway under a
supervisor that starts again any of them that stops; Ctrl-C (or SIGTERM) stops everything.

This process stays light (no torch, no model): the index is built by a `policybot index` child process, and
the children's output goes to their own logs under the data folder (var/log/<child>.log)."""
from __future__ import annotations

import ctypes
import functools
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from knowledge.config import ENVIRONMENT, PROJECT_ROOT, Settings
from knowledge.index.staleness import stale_reason

from .addresses import actions_url, gateway_url, public_url, rasa_url
from .embed import parse_origins
from .rasa_model import RASA_BIN, ensure_model, model_path, rasa_env
from .supervisor import Child, StartupFailed, Supervisor

log = logging.getLogger("policybot.supervisor")


@dataclass
class Stack:
    supervisor: Supervisor
    rasa_url: str
    actions_url: str
    web_url: str = ""
    rasa_token: str = field(default="", repr=False)  # Rasa's --auth-token, for whatever reads its HTTP API
    log_dir: Path | None = None  # where each child's output goes (<name>.log)

    def stop(self) -> None:
        self.supervisor.stop()


def _settings_env(settings: Settings, secrets: bool = False) -> dict[str, str]:
    """The environment of a child process: this one's, with these settings as the POLICYBOT_* variables it reads."""
    return {**rasa_env(), **settings.to_env(secrets)}


# Looked up now, not in the forked child, where the loader's locks may be held by another thread.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM when the process that started it dies, even by SIGKILL, so no
    orphan keeps a port. Linux ties this to the starting thread: children are started from the main thread."""
    _prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def spawn(cmd: list[str], env: dict[str, str], log: Path | None = None, **as_user) -> subprocess.Popen:
    """A child in its own session, so that Ctrl-C in the terminal reaches only its supervisor, which stops the
    children in order instead of having them all die at once; output appended to `log` when given. `as_user`:
    Popen's user/group/extra_groups (PostgreSQL, which refuses root); the death signal is set after the switch,
    which would clear it."""
    out = open(log, "a") if log else None
    try:
        return subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=_die_with_parent if _prctl is not None else None, **as_user)
    finally:
        if out is not None:
            out.close()  # the child has its own copy


def start_web(settings: Settings, rasa_url: str, actions_url: str, log: Path | None = None,
              supervisor_state: Path | None = None, workers: int = 1) -> subprocess.Popen:
    """The gateway; rasa_url may name several Rasa servers, comma-separated (conversations are spread over them)."""
    cmd = [sys.executable, "-m", "bot.cli", "web", "--host", settings.web_host, "--port", str(settings.web_port),
           "--rasa-url", rasa_url, "--actions-url", actions_url, "--workers", str(workers)]
    env = _settings_env(settings, secrets=True)  # the gateway reads trackers (Rasa's token) and guards /staff
    if supervisor_state is not None:
        env["POLICYBOT_SUPERVISOR_STATE"] = str(supervisor_state)  # /api/health tells "restarting" from "given up"
    return spawn(cmd, env, log)


def start_actions(settings: Settings, port: int = 5055, log: Path | None = None) -> subprocess.Popen:
    """The action server with the knowledge API beside the actions (actions/server.py), on loopback only."""
    return spawn([sys.executable, "-m", "actions.server", "--host", "127.0.0.1", "-p", str(port)],
                 _settings_env(settings), log)


def start_rasa(model: Path, port: int = 5005, endpoints: Path | None = None, log: Path | None = None,
               token: str = "", credentials: Path | None = None, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Rasa with its HTTP API on loopback; with a token, the API (trackers, events, model) answers only requests
    carrying it, so that no other local process reads or rewrites conversations."""
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    # Rasa's own python: the launcher hands the token over through the environment, never on the command line.
    cmd = [str(RASA_BIN.parent / "python"), "-m", "channels.launch_rasa", "run", "--enable-api", "-i", "127.0.0.1",
           "-p", str(port), "--model", str(model), "--endpoints", str(endpoints or PROJECT_ROOT / "endpoints.yml"),
           "--credentials", str(credentials or PROJECT_ROOT / "credentials.yml")]
    return spawn(cmd, {**rasa_env(), **(env or {}), "POLICYBOT_RASA_TOKEN": token}, log)


def start_action_front(port: int, backends: list[str], log: Path | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "bot.action_front", "--port", str(port)]
    for url in backends:
        cmd += ["--backend", url]
    return spawn(cmd, rasa_env(), log)


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


def endpoints_for(settings: Settings, source: Path = PROJECT_ROOT / "endpoints.yml") -> Path:
    """endpoints.yml with the action server's address on settings.actions_port and a SQLite tracker store in
    the data folder (var/ by default, as endpoints.yml says); any other tracker store is kept as configured."""
    import yaml

    config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    action = config.setdefault("action_endpoint", {})
    parts = urlsplit(action.get("url") or "http://127.0.0.1/webhook")
    action["url"] = urlunsplit(parts._replace(netloc=f"{parts.hostname}:{settings.actions_port}"))
    tracker = config.get("tracker_store") or {}
    if tracker.get("dialect") == "sqlite" and not Path(tracker.get("db", "")).is_absolute():
        tracker["db"] = str(settings.data_dir / Path(tracker.get("db") or "tracker.db").name)
    out = settings.data_dir / "run" / "endpoints.yml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"# Written by policybot serve from {source}; edit that file instead.\n"
                   + yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return out


@dataclass(frozen=True)
class Scale:
    """How many of each: one of each is `make run`; more (`--rasa-workers N --action-workers M --gateway-workers K`)
    is a cluster, whose Rasa servers share PostgreSQL and Redis (started here unless POLICYBOT_DB_HOST and
    POLICYBOT_REDIS_HOST name running ones)."""
    rasa_workers: int = 1
    action_workers: int = 1
    gateway_workers: int = 1

    def __post_init__(self) -> None:
        for name in ("rasa_workers", "action_workers", "gateway_workers"):
            if not 1 <= getattr(self, name) <= 32:
                raise StartupFailed(f"--{name.replace('_', '-')} is {getattr(self, name)}: give 1 to 32")

    @property
    def clustered(self) -> bool:
        return (self.rasa_workers, self.action_workers, self.gateway_workers) != (1, 1, 1)

    def rasa_ports(self, settings: Settings) -> list[int]:
        return [settings.rasa_port + i for i in range(self.rasa_workers)]

    def action_ports(self, settings: Settings) -> list[int]:
        """Behind the front on actions_port, so Rasa and the gateway find it where they find one action server."""
        return [settings.actions_port + 1 + i for i in range(self.action_workers)]


STORE_ENV = ("db_host", "db_name", "db_user", "db_password", "redis_host", "redis_port", "redis_password")
# How long a conversation's lock in Redis outlives a Rasa server killed while holding it (Rasa's default: 60 s).
# Meanwhile that conversation's next message waits on the other server; an answer takes a second or two, so 20 s
# still covers the slowest under load, and a killed server costs its conversations at most 20 s, not a minute.
LOCK_LIFETIME_S = 20


def cluster_children(settings: Settings, model: Path, endpoints: Path, state_file: Path, scale: Scale,
                     credentials: Path | None = None, stores: list[Child] = ()) -> list[Child]:
    """The stores, then the action servers with their front and the Rasa servers, then the gateway."""
    from .addresses import loopback

    store_env = {**{ENVIRONMENT[name]: str(getattr(settings, name)) for name in STORE_ENV},
                 "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME", str(LOCK_LIFETIME_S))}
    parts = list(stores)
    for n, p in enumerate(scale.action_ports(settings), 1):
        parts.append(Child(f"actions-{n}", f"action server {n}", p, f"{loopback(p)}/health",
                           functools.partial(start_actions, settings, p), ready_timeout=240))
    parts.append(Child("actions", "the action servers' front", settings.actions_port, f"{actions_url(settings)}/health",
                       functools.partial(start_action_front, settings.actions_port,
                                         [loopback(p) for p in scale.action_ports(settings)]), ready_timeout=240))
    for n, p in enumerate(scale.rasa_ports(settings), 1):
        parts.append(Child(f"rasa-{n}", f"Rasa server {n}", p, f"{loopback(p)}/webhooks/rest/",
                           functools.partial(start_rasa, model, p, endpoints, token=settings.rasa_token,
                                             credentials=credentials, env=store_env), ready_timeout=420))
    urls = ",".join(loopback(p) for p in scale.rasa_ports(settings))
    parts.append(Child("gateway", "the web gateway", settings.web_port, f"{gateway_url(settings)}/",
                       lambda log: start_web(settings, urls, actions_url(settings), log, state_file,
                                             scale.gateway_workers), ready_timeout=180))
    return parts


def children(settings: Settings, model: Path, endpoints: Path, web: bool, state_file: Path,
             credentials: Path | None = None) -> list[Child]:
    """The action server first and the gateway last: the order they start in and the reverse of the stop order."""
    parts = [Child("actions", "the action server", settings.actions_port, f"{actions_url(settings)}/health",
                   functools.partial(start_actions, settings, settings.actions_port), ready_timeout=180),
             Child("rasa", "Rasa", settings.rasa_port, f"{rasa_url(settings)}/webhooks/rest/",
                   functools.partial(start_rasa, model, settings.rasa_port, endpoints, token=settings.rasa_token,
                                     credentials=credentials))]
    if web:
        parts.append(Child("gateway", "the web gateway", settings.web_port, f"{gateway_url(settings)}/",
                           lambda log: start_web(settings, rasa_url(settings), actions_url(settings), log, state_file),
                           ready_timeout=180))
    return parts


def start_stack(settings: Settings, model: Path, rasa_port: int | None = None, actions_port: int | None = None,
                endpoints: Path | None = None, log_dir: Path | None = None, web: bool = False,
                credentials: Path | None = None, scale: Scale = Scale()) -> Stack:
    """The action server and Rasa (with its channels from `credentials`, credentials.yml by default), and with
    web=True the chat page's gateway, started and healthy, under a supervisor (its `watch()` keeps them running;
    `stop()` stops them). With a `scale` of more than one, the cluster (cluster_children), always with the gateway."""
    # A token of this run's own unless one is configured (POLICYBOT_RASA_TOKEN, for a gateway started apart).
    settings = settings.replace(rasa_port=rasa_port, actions_port=actions_port,
                                rasa_token=settings.rasa_token or secrets.token_urlsafe(32))
    state_file = settings.data_dir / "run" / "supervisor.json"
    if scale.clustered:
        settings, stores = cluster_stores(settings)
        parts = cluster_children(settings, model, endpoints or endpoints_for(settings, CLUSTER_ENDPOINTS), state_file,
                                 scale, credentials, stores)
    else:
        parts = children(settings, model, endpoints or endpoints_for(settings), web, state_file, credentials)
    supervisor = Supervisor(parts, log_dir or settings.data_dir / "log", state_file)
    try:
        supervisor.start()
    except BaseException:
        supervisor.stop()
        raise
    return Stack(supervisor, rasa_url(settings), actions_url(settings), public_url(settings) if web else "",
                 settings.rasa_token, log_dir or settings.data_dir / "log")


CLUSTER_ENDPOINTS = PROJECT_ROOT / "endpoints-cluster.yml"


def cluster_stores(settings: Settings) -> tuple[Settings, list[Child]]:
    """The settings naming the shared stores, and the children that run them: the PostgreSQL and Redis
    configured (POLICYBOT_DB_HOST, POLICYBOT_REDIS_HOST) are used as they are; those not configured are started
    here, on their local ports (local_stores)."""
    from . import local_stores

    if settings.db_host and settings.redis_host:
        return settings, []
    local = local_stores.prepare(settings)
    started = local_stores.children(settings, local, spawn)
    configured = local.settings(settings)
    if settings.db_host:  # only Redis is ours
        configured = configured.replace(db_host=settings.db_host, db_user=settings.db_user, db_name=settings.db_name,
                                        db_password=settings.db_password)
        started = [c for c in started if c.name != "postgres"]
    if settings.redis_host:
        configured = configured.replace(redis_host=settings.redis_host, redis_port=settings.redis_port,
                                        redis_password=settings.redis_password)
        started = [c for c in started if c.name != "redis"]
    return configured, started


def check_ports_free(settings: Settings, scale: Scale = Scale()) -> None:
    """Says which port is taken before anything starts, instead of a child failing a minute later."""
    wanted = [("the action server", "127.0.0.1", "actions_port", 0), ("Rasa", "127.0.0.1", "rasa_port", 0),
              ("the web gateway", settings.web_host, "web_port", 0)]
    if scale.clustered:
        wanted += [("another Rasa server", "127.0.0.1", "rasa_port", i) for i in range(1, scale.rasa_workers)]
        wanted += [("an action server", "127.0.0.1", "actions_port", i + 1) for i in range(scale.action_workers)]
        if not settings.db_host:
            wanted.append(("PostgreSQL", "127.0.0.1", "local_db_port", 0))
        if not settings.redis_host:
            wanted.append(("Redis", "127.0.0.1", "local_redis_port", 0))
    for what, host, setting, plus in wanted:
        port, variable = getattr(settings, setting) + plus, ENVIRONMENT[setting]
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
            except OSError as exc:
                raise StartupFailed(
                    f"port {port} on {host}, for {what}, is not free ({exc.strerror}): is policybot already running? "
                    f"`ss -ltnp | grep :{port}` shows what holds it; stop that, or set {variable} to another port") from exc


def check_gateway_settings(settings: Settings) -> None:
    """A setting the gateway would refuse is said here, once, instead of the gateway failing at every restart."""
    try:
        parse_origins(settings.widget_origins)
    except ValueError as exc:
        raise StartupFailed(str(exc)) from exc


def build_index(settings: Settings) -> None:
    """In a child process, so that this one never loads torch and the embedding model."""
    done = subprocess.run([sys.executable, "-m", "bot.cli", "index"], cwd=PROJECT_ROOT, env=_settings_env(settings))
    if done.returncode != 0:
        raise StartupFailed(f"indexing {settings.corpus_dir} failed (exit code {done.returncode}): see the lines above;"
                            " `.venv/bin/policybot index` runs it alone")


def index_in_background(settings: Settings, log: Path) -> subprocess.Popen:
    """`policybot index` beside the running bot, which answers from the current index meanwhile and from each
    build the indexer makes live (its checkpoints, then the last), as the action server follows new builds."""
    log.parent.mkdir(parents=True, exist_ok=True)
    return spawn([sys.executable, "-m", "bot.cli", "index", "--quiet"], _settings_env(settings), log)


def rasa_model(settings: Settings) -> Path:
    model = model_path()
    if not model.exists():
        train_log = settings.data_dir / "log" / "rasa-train.log"
        print(f"training the Rasa model ({model.name}: config.yml, domain.yml or data/ changed; a few minutes; "
              f"log: {train_log})", flush=True)
    try:
        return ensure_model(log=settings.data_dir / "log" / "rasa-train.log")
    except RuntimeError as exc:
        raise StartupFailed(str(exc)) from exc


def serve(settings: Settings, model: Path | None = None, scale: Scale = Scale()) -> int:
    started = time.monotonic()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal or `kill` stops the children as Ctrl-C does
        signal.signal(signum, _interrupt)
    stack = None
    try:
        check_gateway_settings(settings)
        check_ports_free(settings, scale)
        # A build that serves these settings is served at once, and new or changed files are indexed beside it;
        # without one (a first run, another model or chunking) there is nothing to answer from until it is built.
        background = not stale_reason(settings)
        if not background:
            build_index(settings)
        model = model or rasa_model(settings)
        _setup_logging(settings.data_dir / "log")
        if scale.clustered:
            print(f"starting PostgreSQL, Redis, {scale.action_workers} action servers, {scale.rasa_workers} Rasa servers"
                  f" and the chat page ({scale.gateway_workers} gateway workers; minutes)…", flush=True)
        else:
            print("starting the action server, Rasa and the chat page (about a minute)…", flush=True)
        stack = start_stack(settings, model, web=True, scale=scale)
        if background:
            index_log = settings.data_dir / "log" / "index.log"
            indexer = index_in_background(settings, index_log)
            threading.Thread(target=_report_indexing, args=(indexer, index_log), daemon=True).start()
            print(f"indexing new and changed documents in the background (log: {index_log});"
                  " answering from the current index meanwhile", flush=True)
        print(f"\npolicybot is up in {time.monotonic() - started:.0f} s\n"
              f"  chat page:     {stack.web_url}   <- open this in a browser\n"
              f"  REST channel:  {stack.rasa_url}/webhooks/rest/webhook  (POST {{\"sender\": \"id\", \"message\": \"问题\"}})\n"
              f"  action server: {stack.actions_url}\n"
              f"  health:        {stack.web_url}/api/health\n"
              f"  logs:          {settings.data_dir / 'log'}/\n"
              f"  try:           .venv/bin/policybot ask --via {stack.rasa_url} \"怎么办理不动产登记？\"\n"
              "A part that stops is started again. Ctrl-C stops everything.", flush=True)
        if sys.stdin.isatty():
            threading.Thread(target=_chat, args=(stack.rasa_url, stop), daemon=True).start()
        stack.supervisor.watch(until=stop.is_set)
        return 0
    except StartupFailed as exc:
        print(f"policybot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        if stack is not None:
            _say("\nstopping policybot…")
            stack.stop()
            _say("policybot stopped")


def _report_indexing(indexer: subprocess.Popen, log_file: Path) -> None:
    if indexer.wait() == 0:
        lines = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        summary = lines[-1] if lines else ""
        if "added 0, changed 0, removed 0" not in summary:
            log.info("%s (the bot answers from it now)", summary)
    else:
        log.error("indexing new and changed documents failed (exit code %s): see %s; the bot answers from the "
                  "previous index; `.venv/bin/policybot index` runs it again", indexer.returncode, log_file)


def _say(text: str) -> None:
    """After SIGHUP the terminal may be gone: stopping the children matters more than saying so."""
    try:
        print(text, flush=True)
    except OSError:
        pass


def _setup_logging(folder: Path) -> None:
    """The supervisor's own lines (restarts, give-ups): on the terminal and in var/log/supervisor.log."""
    folder.mkdir(parents=True, exist_ok=True)
    log.setLevel(logging.INFO)
    log.propagate = False
    for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(folder / "supervisor.log", encoding="utf-8")):
        handler.setFormatter(logging.Formatter("%(asctime)s policybot: %(message)s", "%H:%M:%S"))
        log.addHandler(handler)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the children the same way Ctrl-C does


def _chat(url: str, stop: threading.Event) -> None:
    """Talk to the running bot from the terminal, through the REST channel, as one conversation; Ctrl-D stops
    the bot as it always did."""
    import uuid

    from .rest_client import send

    sender = f"terminal-{uuid.uuid4().hex[:8]}"
    print("在下面输入问题与 policybot 对话（Ctrl-C 退出）：", flush=True)
    with httpx.Client(timeout=120) as client:
        while True:
            try:
                text = input("你> ").strip()
            except EOFError:
                stop.set()
                return
            if not text:
                continue
            try:
                messages = send(client, url, sender, text)
            except httpx.HTTPError as exc:
                print(f"policybot> Rasa is not answering ({exc}); it is being started again, try in a moment")
                continue
            for m in messages:
                if m.get("text"):
                    print(f"policybot> {m['text']}")
                elif isinstance(m.get("custom"), dict):
                    for c in m["custom"].get("citations", []):
                        print(f"    [{c['n']}] {c['title']} · {c['doc_id']} 字符 {c['start']}–{c['end']}")
