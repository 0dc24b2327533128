"""(b) Submitting a 20-finding check through the API against a bare Django view inserting the same
rows, both served by gunicorn with 2 workers on loopback, driven by 16 concurrent connections of
wrk."""

import json
import secrets
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.paced import paced
from bench.server import server_start, server_stop

CONNECTIONS = 16
SECONDS = 15  # of each measurement, in ROUNDS turns for the product and the bare view
ROUNDS = 3


# wrk (C, epoll) drives the load: a load generator in Python would take much of the two cores the
# server is measured on. Each check carries a new client_id made of a run nonce, the wrk thread
# and a counter, so no check is a resend of another. One request in six sends a photo (multipart,
# as the phone sends it ahead of its check); the next check sent names it in its first finding, so
# that one check in five has a photo. Each thread counts the checks and photos answered 201.
WRK_SCRIPT = """
local counter = 1
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  sequence = 0
  queue = {}
  checks = 0
  photos = 0
  local file = io.open(PHOTO_FILE, "rb")
  local jpeg = file:read("*a")
  file:close()
  photo_body = "--" .. BOUNDARY .. "\\r\\nContent-Disposition: form-data; name=\\"file\\"; " ..
    "filename=\\"photo.jpg\\"\\r\\nContent-Type: image/jpeg\\r\\n\\r\\n" .. jpeg ..
    "\\r\\n--" .. BOUNDARY .. "--\\r\\n"
end
request = function()
  sequence = sequence + 1
  if sequence % 6 == 0 then
    return wrk.format("POST", PHOTO_PATH, PHOTO_HEADERS, photo_body)
  end
  local client_id = string.format("%s-%04x-4000-8000-%012x", NONCE, id, sequence)
  local ids = "[]"
  if #queue > 0 then
    ids = "[" .. table.remove(queue, 1) .. "]"
  end
  local body = BODY:gsub("CLIENT_ID", client_id):gsub('"PHOTO_IDS"', ids)
  return wrk.format("POST", PATH, HEADERS, body)
end
response = function(status, headers, body)
  if status == 201 then
    local photo = body:match('^{"id": ?(%d+)}$')
    if photo then
      photos = photos + 1
      table.insert(queue, photo)
    else
      checks = checks + 1
    end
  end
end
done = function(summary, latency, requests)
  local checks, photos = 0, 0
  for _, thread in ipairs(threads) do
    checks = checks + thread:get("checks")
    photos = photos + thread:get("photos")
  end
  io.write(string.format(
    "RESULT %d %d %d %d %d %d %d %f %d %d\\n", summary.requests, summary.duration,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, latency:percentile(99), checks, photos))
end
"""


def _lua(text: str) -> str:
    return "[==[" + text + "]==]"


def load(port: int, paths: tuple[str, str], body: dict, headers: tuple[dict, dict],
         photo: Path, seconds: int = SECONDS) -> dict:  # fmt: skip
    """Checks per second, p99 latency, errors, and the checks and photos answered 201, of
    CONNECTIONS connections for some seconds; ``paths`` and ``headers`` are the check's and the
    photo's."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is missing: scripts/bench.sh installs it (Debian package wrk)")
    findings = [dict(body["findings"][0], photo_ids="PHOTO_IDS"), *body["findings"][1:]]
    template = json.dumps(
        {**body, "findings": findings, "client_id": "CLIENT_ID"}, ensure_ascii=False
    )

    def table(fields: dict) -> str:
        return "{" + ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in fields.items()) + "}"

    boundary = "bench" + secrets.token_hex(8)
    photo_headers = {
        **{k: v for k, v in headers[1].items() if k != "Content-Type"},
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    script = (
        f"NONCE = {_lua(secrets.token_hex(4))}\nPATH = {_lua(paths[0])}\n"
        f"PHOTO_PATH = {_lua(paths[1])}\nPHOTO_FILE = {_lua(str(photo))}\n"
        f"BOUNDARY = {_lua(boundary)}\nHEADERS = {table(headers[0])}\n"
        f"PHOTO_HEADERS = {table(photo_headers)}\nBODY = {_lua(template)}\n{WRK_SCRIPT}"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    try:
        result = subprocess.run(  # noqa: S603
            [wrk, "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "10s",
             "-s", file.name, f"http://127.0.0.1:{port}{paths[0]}"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        Path(file.name).unlink()
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines or result.stderr.strip():
        raise SystemExit(f"wrk failed: {result.stderr or result.stdout}")
    fields = lines[0].split()[1:]
    requests, duration, connect, _read, write, status, timeout = (int(each) for each in fields[:7])
    p99_us, checks, photos = float(fields[7]), int(fields[8]), int(fields[9])
    # Read errors are not counted: gunicorn's sync workers close each connection after the
    # answer, and wrk then opens a new one, as a browser does.
    return {
        "requests": requests,
        "checks": checks,
        "photos": photos,
        "seconds": duration / 1e6,
        "rps": checks / (duration / 1e6),
        "p99_ms": p99_us / 1000,
        "errors": connect + write + status + timeout,
    }


def phone_photo(out: Path) -> Path:
    """A photo as a phone sends it after compressing it: 1600 × 1200, textured, about 200 KB."""
    from PIL import Image, ImageFilter

    path = out / "phone-photo.jpg"
    if not path.exists():
        noise = Image.effect_noise((1600, 1200), 48).filter(ImageFilter.GaussianBlur(1.2))
        gradient = Image.linear_gradient("L").resize((1600, 1200))
        Image.merge(
            "RGB", (noise, gradient, noise.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
        ).save(path, "JPEG", quality=80)
    return path


def stored(org: str) -> tuple[int, int]:
    """The organisation's checks and finding photos in the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM inspections_inspection i JOIN orgs_organisation o"
            " ON o.id = i.organisation_id WHERE o.slug = %s), (SELECT COUNT(*) FROM"
            " inspections_findingphoto p JOIN orgs_organisation o ON o.id = p.organisation_id"
            " WHERE o.slug = %s)",
            [org, org],
        )
        return cursor.fetchone()


def settled(org: str) -> tuple[int, int]:
    """The rows stored once the requests sent before the end of a load are answered."""
    now, before = stored(org), None
    while now != before:
        time.sleep(1)
        before, now = now, stored(org)
    return now


def counted_load(port, paths, body, headers, photo, org, seconds) -> dict:
    """A load whose answers are checked against the rows stored: every check answered 201 is in
    the database (with at most one more per connection, sent before the end and answered after
    it), and so is about every photo, as many as were named by a check."""
    before = settled(org)
    run = load(port, paths, body, headers, photo, seconds=seconds)
    after = settled(org)
    checks, photos = after[0] - before[0], after[1] - before[1]
    in_flight = CONNECTIONS + run["errors"]
    if not (
        run["checks"] <= checks <= run["checks"] + in_flight
        and run["photos"] - 2 * in_flight <= photos <= run["photos"] + in_flight
    ):
        raise AssertionError(
            f"{paths[0]}: {run['checks']} checks and {run['photos']} photos answered 201, but"
            f" {checks} checks and {photos} photos stored"
        )
    return run


def api_ratio(env: dict, *, org: str, token: str, location_id: int, version_id: int, item_ids,
              out: Path):  # fmt: skip
    findings = [{"item_id": item_ids[index % len(item_ids)], "note": "基准"} for index in range(20)]
    body = {"location_id": location_id, "findings": findings}
    bare_body = {**body, "standard_version_id": version_id}
    product = (f"/api/v1/orgs/{org}/inspections", f"/api/v1/orgs/{org}/photos")
    bare = (f"/bench/bare/{org}/", f"/bench/bare/{org}/photos")
    auth = {"Authorization": f"Bearer {token}"}
    json_headers = {"Content-Type": "application/json"}
    product_headers = ({**json_headers, **auth}, auth)
    bare_headers = (json_headers, {})
    photo = phone_photo(out)
    server, port = server_start(env)
    try:
        load(port, product, body, product_headers, photo, seconds=5)  # warm up both
        load(port, bare, bare_body, bare_headers, photo, seconds=5)
        # Taken in turns, so that a slower spell of the machine falls on both.
        ours, theirs = [], []
        for _round in range(ROUNDS):
            ours.append(counted_load(port, product, body, product_headers, photo, org,
                                     SECONDS // ROUNDS))  # fmt: skip
            theirs.append(counted_load(port, bare, bare_body, bare_headers, photo, org,
                                       SECONDS // ROUNDS))  # fmt: skip
        product_rps, bare_rps = _rps(ours), _rps(theirs)
        # Latency when the connections are not all waiting: each sends its next check after a
        # pause, for about half the product's checks per second in all.
        paced_run = paced(
            port, product[0], body, product_headers[0], connections=CONNECTIONS, seconds=SECONDS,
            rate=product_rps / 2,
        )  # fmt: skip
    finally:
        server_stop(server)
    return {
        "product_rps": product_rps,
        "bare_rps": bare_rps,
        "ratio": product_rps / bare_rps,
        "p99_ms": max(run["p99_ms"] for run in ours),
        "bare_p99_ms": max(run["p99_ms"] for run in theirs),
        "paced_rps": paced_run["rps"],
        "paced_p99_ms": paced_run["p99_ms"],
        "errors": sum(run["errors"] for run in [*ours, *theirs, paced_run]),
        "checks": sum(run["checks"] for run in ours),
        "photos": sum(run["photos"] for run in ours),
    }


def _rps(runs: list[dict]) -> float:
    return sum(run["checks"] for run in runs) / sum(run["seconds"] for run in runs)
