"""Real servers for the tests: a ``redis-server`` and a PostgreSQL, each on a free port in a
temporary folder, stopped at the end of the session.

Both are Debian packages (``redis-server``, ``postgresql``); ``./run test`` installs them when
missing. A test that needs one and finds no binary fails and says so (never a silent skip:
the test command installs them).

PostgreSQL refuses to run as root: as root, the cluster belongs to the ``postgres`` user that
Debian's package creates (else ``nobody``) and is started through ``runuser``; any other user
runs it as itself. Authentication is ``trust`` on 127.0.0.1 only.

Use them by importing the fixtures into a test module::

    from servers import postgres_url, redis_url  # noqa: F401 - fixtures
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None, timeout: float = 30.0) -> None:
    """Wait until something accepts on ``port``; fail when ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


# -- Redis ------------------------------------------------------------------------------------


def start_redis(directory: Path) -> tuple[subprocess.Popen, int]:
    """``redis-server`` on a free port with its files in ``directory`` (no persistence)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: ./run test installs it")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory)]
    args += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"]
    with (directory / "redis.log").open("ab") as log:
        proc = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)
    wait_for_port(port, proc)
    return proc, port


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """``redis://127.0.0.1:PORT`` of a redis-server started for this session."""
    proc, port = start_redis(tmp_path_factory.mktemp("redis"))
    yield f"redis://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# -- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` (Debian), else one on PATH."""
    base = Path("/usr/lib/postgresql")
    versions = sorted(
        (p for p in base.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _run_as() -> tuple[list[str], int | None, int | None]:
    """(command prefix, uid, gid) to run PostgreSQL's programs: not as root."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", name, "--"], user.pw_uid, user.pw_gid
        setpriv = shutil.which("setpriv")
        if setpriv:
            ids = [f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
            return [setpriv, *ids], user.pw_uid, user.pw_gid
    pytest.fail("running as root without a postgres or nobody user to run PostgreSQL")


class Postgres:
    """A throwaway PostgreSQL cluster: ``initdb`` into a temporary folder, ``pg_ctl start``."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            pytest.fail("PostgreSQL is not installed: ./run test installs it")
        self.bindir = bindir
        self.prefix, uid, gid = _run_as()
        # Not under pytest's tmp dir: it is private to root, and the server's user must enter it.
        self.root = Path(tempfile.mkdtemp(prefix="cookiescan-pg-"))
        self.data = self.root / "data"
        if uid is not None:
            os.chown(self.root, uid, gid if gid is not None else -1)
        self.port = free_port()

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            [*self.prefix, *args], capture_output=True, text=True, cwd=self.root, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")

    def start(self) -> Postgres:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--encoding=UTF8", "--no-sync",
        )  # fmt: skip
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.root / "postgres.log"), "-w", "-t", "60", "start",
        )  # fmt: skip
        wait_for_port(self.port, None)
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database ``name``; its SQLAlchemy URL."""
        import sqlalchemy as sa

        eng = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        eng.dispose()
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL server started for this session (``.create_database(name)`` per test)."""
    server = Postgres().start()
    yield server
    server.stop()


_databases = iter(range(1, 1_000_000))


@pytest.fixture
def postgres_url(postgres) -> str:
    """A fresh, empty PostgreSQL database for one test (``postgresql+psycopg://…``)."""
    return postgres.create_database(f"t{next(_databases)}")
