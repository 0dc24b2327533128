"""The product as people reach it: `baozhang serve` (gunicorn, production settings, django-axes on)
on loopback, and HTTP clients signed in through the sign-in page or carrying an API token.

Every bench that times a page or an API operation goes through here, so that the middleware, the
sign-in, the templates and the server's own cost fall on the product and its baseline alike."""

from __future__ import annotations

import re
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_start(
    env: dict, *, workers: int = 2, worker: bool = False
) -> tuple[subprocess.Popen, int]:
    """`baozhang serve` with the bench settings; with ``worker`` its background worker beside it."""
    port = free_port()
    command = [sys.executable, "-m", "baozhang.cli", "serve", "--port", str(port),
               "--workers", str(workers)] + ([] if worker else ["--no-worker"])  # fmt: skip
    server = subprocess.Popen(  # noqa: S603
        command,
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    # gunicorn listens before its web processes have loaded the application: the server is ready
    # once the sign-in page has answered quickly several times in a row (each process loaded).
    deadline, quick = time.monotonic() + 120, 0
    while time.monotonic() < deadline and quick < 3 * workers:
        try:
            started = time.perf_counter()
            answer = requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=30)
            fast = answer.status_code == 200 and time.perf_counter() - started < 0.5
            quick = quick + 1 if fast else 0
        except requests.ConnectionError:
            time.sleep(0.3)
    if quick >= 3 * workers:
        return server, port
    server.kill()
    raise SystemExit("the benchmark server did not start")


def server_stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def served(env: dict, **options):
    server, port = server_start(env, **options)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server_stop(server)


def signed_in(base: str, username: str, password: str) -> requests.Session:
    """A browser's session: the sign-in page fetched, the form posted with its CSRF token."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    token = CSRF.search(page.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"the bench user could not sign in ({answer.status_code})")
    return session


def with_token(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def get(
    session: requests.Session, url: str, *, status: int = 200, redirects: bool = True
) -> tuple[float, requests.Response]:
    """The time from sending the request to the last byte of the answer, and the answer; with
    ``redirects`` off, a redirect is the answer (``status`` 302)."""
    started = time.perf_counter()
    answer = session.get(url, timeout=120, allow_redirects=redirects)
    _body = answer.content
    elapsed = time.perf_counter() - started
    if answer.status_code != status:
        raise SystemExit(f"GET {url} answered {answer.status_code}: {answer.text[:300]}")
    return elapsed, answer


def spread(times: list[float]) -> dict:
    """Median and spread (lowest, highest, and the 95th percentile) of several rounds, in seconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median": statistics.median(ordered),
        "low": ordered[0],
        "high": ordered[-1],
        "p95": p95,
        "rounds": len(ordered),
    }
