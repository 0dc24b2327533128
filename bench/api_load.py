"""(b) Submitting a 20-finding check through the API against a bare Django view inserting the same
rows, both served by gunicorn with 2 workers on loopback, driven by 16 concurrent connections of
wrk."""

import json
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.paced import paced
from bench.server import server_start, server_stop

CONNECTIONS = 16
SECONDS = 15  # of each measurement, in ROUNDS turns for the product and the bare view
ROUNDS = 3


# wrk (C, epoll) drives the load: a load generator in Python would take much of the two cores the
# server is measured on. Each request carries a new client_id made of a run nonce, the wrk thread
# and a counter, so no check is a resend of another.
WRK_SCRIPT = """
local counter = 1
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  sequence = 0
end
request = function()
  sequence = sequence + 1
  local client_id = string.format("%s-%04x-4000-8000-%012x", NONCE, id, sequence)
  local body = BODY:gsub("CLIENT_ID", client_id)
  return wrk.format("POST", PATH, HEADERS, body)
end
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %f\\n", summary.requests, summary.duration,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency:percentile(99)))
end
"""


def _lua(text: str) -> str:
    return "[==[" + text + "]==]"


def load(port: int, path: str, body: dict, headers: dict, seconds: int = SECONDS) -> dict:
    """Requests per second, p99 latency and errors of CONNECTIONS connections for some seconds."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing: scripts/bench.sh installs it (Debian package wrk)")
    template = json.dumps({**body, "client_id": "CLIENT_ID"}, ensure_ascii=False)
    fields = ", ".join(f"[ {_lua(key)} ] = {_lua(value)}" for key, value in headers.items())
    script = (
        f"NONCE = {_lua(secrets.token_hex(4))}\nPATH = {_lua(path)}\n"
        f"HEADERS = {{{fields}}}\nBODY = {_lua(template)}\n{WRK_SCRIPT}"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        result = subprocess.run(  # noqa: S603
            [wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s",
             "-s", file.name, f"http://127.0.0.1:{port}{path}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        Path(file.name).unlink()
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines or result.stderr.strip():
        raise SystemExit(f"wrk failed: {result.stderr or result.stdout}")
    line = lines[0]
    requests, duration, connect, read, write, status, timeout, p99_us = line.split()[1:]
    # Read errors are not counted: gunicorn's sync workers close each connection after the
    # answer, and wrk then opens a new one, as a browser does.
    failed = int(connect) + int(write) + int(status) + int(timeout)
    return {
        "requests": int(requests),
        "seconds": int(duration) / 1e6,
        "rps": int(requests) / (int(duration) / 1e6),
        "p99_ms": float(p99_us) / 1000,
        "errors": failed,
    }


def api_ratio(env: dict, *, org: str, token: str, location_id: int, version_id: int, item_ids):
    findings = [{"item_id": item_ids[index % len(item_ids)], "note": "基准"} for index in range(20)]
    body = {"location_id": location_id, "findings": findings}
    bare_body = {**body, "standard_version_id": version_id}
    product_path, bare_path = f"/api/v1/orgs/{org}/inspections", f"/bench/bare/{org}/"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    plain = {"Content-Type": "application/json"}
    server, port = server_start(env)
    try:
        load(port, product_path, body, headers, seconds=5)  # warm up both
        load(port, bare_path, bare_body, plain, seconds=5)
        # Taken in turns, so that a slower spell of the machine falls on both.
        ours, bare = [], []
        for _round in range(ROUNDS):
            ours.append(load(port, product_path, body, headers, seconds=SECONDS // ROUNDS))
            bare.append(load(port, bare_path, bare_body, plain, seconds=SECONDS // ROUNDS))
        product_rps, bare_rps = _rps(ours), _rps(bare)
        # Latency when the connections are not all waiting: each sends its next check after a
        # pause, for about half the product's requests per second in all.
        paced_run = paced(
            port, product_path, body, headers, connections=CONNECTIONS, seconds=SECONDS,
            rate=product_rps / 2,
        )  # fmt: skip
    finally:
        server_stop(server)
    return {
        "product_rps": product_rps,
        "bare_rps": bare_rps,
        "ratio": product_rps / bare_rps,
        "p99_ms": max(run["p99_ms"] for run in ours),
        "bare_p99_ms": max(run["p99_ms"] for run in bare),
        "paced_rps": paced_run["rps"],
        "paced_p99_ms": paced_run["p99_ms"],
        "errors": sum(run["errors"] for run in [*ours, *bare, paced_run]),
    }


def _rps(runs: list[dict]) -> float:
    return sum(run["requests"] for run in runs) / sum(run["seconds"] for run in runs)
