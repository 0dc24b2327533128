"""(b) Submitting a 20-finding check through the API against a bare Django view inserting the same
rows, both served by gunicorn with 2 workers on loopback, driven by 16 concurrent connections."""

import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

CONNECTIONS = 16
SECONDS = 15
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_start(env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "baozhang.cli", "serve", "--port", str(port), "--workers", "2",
         "--no-worker"],
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("the benchmark server did not start")


def load(port: int, path: str, body, headers: dict) -> tuple[float, list[float], int]:
    """Requests per second, latencies and errors with CONNECTIONS threads for SECONDS."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def worker():
        mine, failed = [], 0
        while time.monotonic() < stop:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            started = time.perf_counter()
            try:
                connection.request("POST", path, json.dumps(body()), headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 300:
                    failed += 1
            except OSError:
                failed += 1
            finally:
                connection.close()
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors[0]


def p99(latencies: list[float]) -> float:
    return statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else latencies[0]


def api_ratio(env: dict, *, org: str, token: str, location_id: int, version_id: int, item_ids):
    findings = [{"item_id": item_ids[index % len(item_ids)], "note": "基准"} for index in range(20)]

    def product_body():
        return {"client_id": str(uuid.uuid4()), "location_id": location_id, "findings": findings}

    def bare_body():
        return {**product_body(), "standard_version_id": version_id}

    server, port = server_start(env)
    try:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        load(port, f"/api/v1/orgs/{org}/inspections", product_body, headers)  # warm up
        ours, latencies, our_errors = load(
            port, f"/api/v1/orgs/{org}/inspections", product_body, headers
        )
        bare, bare_latencies, bare_errors = load(
            port, f"/bench/bare/{org}/", bare_body, {"Content-Type": "application/json"}
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "product_rps": ours,
        "bare_rps": bare,
        "ratio": ours / bare,
        "p99_ms": p99(latencies) * 1000,
        "bare_p99_ms": p99(bare_latencies) * 1000,
        "errors": our_errors + bare_errors,
    }
