"""The PostgreSQL and Redis that `policybot serve --rasa-workers N` runs for itself, on one machine: each with its
data under the data folder (var/postgres, var/redis), on a private loopback port, with a password of its own
(var/run/*-password, readable by this user only), supervised like the other children.

PostgreSQL refuses to run as root: when policybot runs as root, initdb and the server run as the `postgres`
user (Popen(user=…), so the server is this process's own child and dies with it), and its data folder is
owned by that user."""
from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from knowledge.config import Settings

from .stores import Postgres, Redis
from .supervisor import Child, StartupFailed

PG_USER = "postgres"  # the system user the server runs as when policybot runs as root


@dataclass(frozen=True)
class LocalStores:
    postgres: Postgres
    redis: Redis
    db_password: str

    def settings(self, settings: Settings) -> Settings:
        """The settings every process of the cluster reads them through (POLICYBOT_DB_*, POLICYBOT_REDIS_*)."""
        return settings.replace(db_host=self.postgres.host, db_user=self.postgres.user, db_name=self.postgres.database,
                                db_password=self.db_password, redis_host=self.redis.host, redis_port=self.redis.port,
                                redis_password=self.redis.password)


def _binary(name: str) -> str:
    found = shutil.which(name) or next((str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                                                                reverse=True)), None)
    if not found:
        raise StartupFailed(f"{name} not found: install PostgreSQL 15 (apt-get install postgresql) or put its bin folder"
                            " on PATH; or point POLICYBOT_DB_HOST at a running server and start without --rasa-workers")
    return found


def _secret(path: Path) -> str:
    """A password kept in a file of its own, made on first use: the database keeps the one it was created with."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _as_postgres() -> dict:
    """Popen arguments that run the child as the postgres user when this process is root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(PG_USER)
    except KeyError:
        raise StartupFailed(f"PostgreSQL does not run as root and there is no `{PG_USER}` user to run it as: create one "
                            "(adduser --system postgres) or run policybot as an ordinary user") from None
    return {"user": PG_USER, "group": PG_USER, "extra_groups": []}


def _reachable_by_postgres(folder: Path) -> None:
    if os.geteuid() != 0:
        return
    owner = pwd.getpwnam(PG_USER).pw_uid
    for parent in [folder, *folder.parents]:
        st = parent.stat()
        if not (st.st_mode & 0o001 or st.st_uid == owner):
            raise StartupFailed(f"the {PG_USER} user cannot enter {parent} (mode {st.st_mode & 0o777:o}), on the way to "
                                f"PostgreSQL's data folder {folder}: `chmod o+x {parent}`, or set POLICYBOT_DATA_DIR to a"
                                " folder it can reach")


def prepare(settings: Settings) -> LocalStores:
    """Creates PostgreSQL's data folder and database on first use (initdb) and Redis's configuration."""
    run_dir = settings.data_dir / "run"
    db_password = _secret(run_dir / "postgres-password")
    redis_password = _secret(run_dir / "redis-password")
    data = settings.data_dir / "postgres"
    as_pg = _as_postgres()
    _reachable_by_postgres(settings.data_dir)
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        pwfile = data.parent / "postgres-initdb.pw"
        pwfile.write_text(db_password)
        if as_pg:
            shutil.chown(data, PG_USER, PG_USER)
            shutil.chown(pwfile, PG_USER, PG_USER)
        os.chmod(data, 0o700)
        os.chmod(pwfile, 0o600)
        try:
            done = subprocess.run([_binary("initdb"), "-D", str(data), "-U", "policybot", f"--pwfile={pwfile}",
                                   "--auth=scram-sha-256", "-E", "UTF8", "--no-locale"],
                                  capture_output=True, text=True, **as_pg)
            if done.returncode != 0:
                raise StartupFailed(f"initdb of {data} failed:\n{done.stderr[-2000:]}\nremove {data} and start again")
            # Rasa would create the database itself, but two Rasa servers starting at once race to do it.
            done = subprocess.run([_binary("postgres"), "--single", "-D", str(data), "postgres"],
                                  input="CREATE DATABASE policybot;\n", capture_output=True, text=True, **as_pg)
            if done.returncode != 0:
                raise StartupFailed(f"creating the database in {data} failed:\n{done.stderr[-2000:]}")
        finally:
            pwfile.unlink(missing_ok=True)
    redis_dir = settings.data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    conf = redis_dir / "redis.conf"
    # Locks and rate limits only: nothing worth keeping across a restart, so no snapshots. The password is in the
    # file (mode 600), not on the command line, where every local user would read it.
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(f"bind 127.0.0.1\nport {settings.local_redis_port}\nprotected-mode yes\ndaemonize no\nsave \"\"\n"
                f"appendonly no\ndir {redis_dir}\nrequirepass {redis_password}\n")
    return LocalStores(Postgres(f"127.0.0.1:{settings.local_db_port}"),
                       Redis("127.0.0.1", settings.local_redis_port, redis_password), db_password)


def children(settings: Settings, stores: LocalStores, spawn) -> list[Child]:
    """PostgreSQL and Redis, each waited for before the Rasa servers start (their tracker and lock stores)."""
    data = settings.data_dir / "postgres"
    as_pg = _as_postgres()
    postgres_cmd = [_binary("postgres"), "-D", str(data), "-p", str(settings.local_db_port),
                    "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"]
    redis_cmd = [shutil.which("redis-server") or "redis-server", str(settings.data_dir / "redis" / "redis.conf")]
    if not shutil.which("redis-server"):
        raise StartupFailed("redis-server not found: `make redis` installs it (apt-get install redis-server)")
    return [
        # SIGINT is PostgreSQL's fast shutdown; SIGTERM (smart) would wait for Rasa's pooled connections to close.
        Child("postgres", "PostgreSQL", settings.local_db_port, "", lambda log: spawn(postgres_cmd, os.environ.copy(),
                                                                                      log, **as_pg),
              ready_timeout=120, probe=lambda: not stores.postgres.problem(timeout=1.0), stop_signal=signal.SIGINT,
              before_next=True),
        Child("redis", "Redis", settings.local_redis_port, "", lambda log: spawn(redis_cmd, os.environ.copy(), log),
              ready_timeout=60, probe=lambda: not stores.redis.problem(timeout=1.0), before_next=True),
    ]
