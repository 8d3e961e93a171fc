"""A PostgreSQL server for tests: a running one if reachable, else a private one started from the Debian binaries.

Order: the URL in CAMSIGHT_TEST_POSTGRES if set; else postgres@ or root@127.0.0.1:5432 (trust auth, database
'test' then 'postgres'); else ``initdb`` + ``pg_ctl`` in a temporary folder on a free port (as the 'postgres' user
when running as root). Each session works in its own schema, dropped at the end, so runs never collide.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ENV_URL = "CAMSIGHT_TEST_POSTGRES"
_DEFAULT_URLS = tuple(
    f"postgresql+psycopg://{user}@127.0.0.1:5432/{db}" for user in ("postgres", "root") for db in ("test", "postgres")
)


class Unavailable(Exception):
    """No PostgreSQL server could be found or started."""


def _probe(url: str) -> str | None:
    """None if the server answers at ``url``, else why not."""
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3}, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except (sa.exc.DBAPIError, ImportError) as exc:
        return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    finally:
        engine.dispose()
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binaries() -> tuple[str, str]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    initdb = found[-1] if found else shutil.which("initdb")
    if initdb is None:
        raise Unavailable("no PostgreSQL server reachable and no initdb binary to start one")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    return initdb, pg_ctl


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        raise Unavailable("running as root: initdb needs the 'postgres' user and runuser, which is missing")
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise Unavailable("running as root: initdb needs a 'postgres' user, which does not exist") from exc
    return ["runuser", "-u", "postgres", "--"]


@contextlib.contextmanager
def _private_server() -> Iterator[str]:
    initdb, pg_ctl = _binaries()
    prefix = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="camsight-pg-"))
    if prefix:
        shutil.chown(folder, user="postgres")
    data, port = folder / "data", _free_port()
    opts = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise Unavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-300:]}")

    try:
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(pg_ctl, "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w", "-t", "60", "start")
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def server() -> Iterator[str]:
    """Yield a URL of a reachable PostgreSQL server, starting a private one if needed.

    Raises:
        Unavailable: None is reachable and none could be started; the message says why.
    """
    candidates = (os.environ[ENV_URL],) if os.environ.get(ENV_URL) else _DEFAULT_URLS
    reasons = []
    for url in candidates:
        reason = _probe(url)
        if reason is None:
            yield url
            return
        reasons.append(f"{url}: {reason}")
    try:
        with _private_server() as url:
            yield url
    except Unavailable as exc:
        raise Unavailable(f"{exc} (tried {'; '.join(reasons)})") from exc


@contextlib.contextmanager
def schema_url(url: str) -> Iterator[str]:
    """A URL whose connections work in a fresh schema of their own (via search_path), dropped afterwards."""
    schema = f"camsight_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, poolclass=sa.NullPool)
    with admin.begin() as conn:
        conn.execute(sa.schema.CreateSchema(schema))
    try:
        yield sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()
