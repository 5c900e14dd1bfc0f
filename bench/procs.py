"""The processes a benchmark starts (gunicorn, the search writer), on 127.0.0.1 only, and always stopped.

Each process gets its own session, so stopping it signals its whole process group: gunicorn's workers go with
their master even when the master is killed. `running(...)` stops everything in a `finally`.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def get(url: str, data: bytes | None = None, timeout: float = 30) -> tuple[int, float]:
    """(status, milliseconds) of one request; HTTP errors are answers too."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, (time.perf_counter() - started) * 1000


def wait_until_up(url: str, seconds: float, processes=()) -> None:
    """Until `url` answers 200; gives up early when one of `processes` has already exited."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise SystemExit(f"{' '.join(process.args[:3])} exited with {process.returncode} before {url} was up")
        try:
            if get(url, timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up in {seconds}s")


def app_env(database_url: str, *, search_index_dir: str | None = None, redis_url: str | None = None,
            **extra: str) -> dict:
    """The environment of an app process: our database and index, no test settings leaking in from the shell."""
    env = os.environ | {"DATABASE_URL": database_url, "APP_ENV": "development", **extra}
    env.pop("TEST_DATABASE_URL", None)
    env.pop("FLASK_DEBUG", None)
    if search_index_dir:
        env["SEARCH_INDEX_DIR"] = search_index_dir
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


def flask_command(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", "app", *args]


def gunicorn_command(app: str, *, port: int, workers: int, access_log: Path | None = None,
                     access_format: str | None = None) -> list[str]:
    """gunicorn with the repository's gunicorn.conf.py; the command line overrides what it names."""
    command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--bind", f"{HOST}:{port}", "--workers", str(workers)]
    if access_log is not None:
        command += ["--access-logfile", str(access_log)]
    if access_format is not None:
        command += ["--access-logformat", access_format]
    return [*command, app]


def start(command: list[str], *, env: dict, log: Path, stdout: Path | None = None) -> subprocess.Popen:
    """A process in its own session (so its group can be signalled), stderr (and stdout) to files."""
    with open(log, "ab") as err, open(stdout, "ab") if stdout else open(os.devnull, "wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, start_new_session=True)


def stop(processes, timeout: float = 20) -> None:
    """SIGTERM to each process group, then SIGKILL to what is left after `timeout` seconds."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        # Workers of a master that died first are still in its group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


class Supervisor:
    """Starts processes and stops every one of them when the `with` block ends, however it ends (an exception,
    Ctrl-C): `with Supervisor() as procs: procs.start(...)`."""

    def __init__(self):
        self.processes: list[subprocess.Popen] = []

    def start(self, command: list[str], **kwargs) -> subprocess.Popen:
        process = start(command, **kwargs)
        self.processes.append(process)
        return process

    def stop(self) -> None:
        stop(self.processes)
        self.processes = []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
