"""Latency of check submissions when the connections do not all wait on the server: each of the
connections sends a check, waits for the answer, then pauses a random time (exponential) before its
next check, as inspectors with phones do.

wrk counts a paced connection's pause in its latency, so this small asyncio client measures these
runs itself: each request's time from opening its connection to the last byte of the answer. At a
few dozen requests a second it takes little of the machine."""

import asyncio
import json
import random
import time
import uuid


def _request(path: str, body: dict, headers: dict, port: int) -> bytes:
    payload = json.dumps({**body, "client_id": str(uuid.uuid4())}, ensure_ascii=False).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _send(port: int, request: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
    finally:
        writer.close()
    return time.perf_counter() - start, status


async def _run(port, path, body, headers, connections, seconds, pause_s, seed):
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def connection(number: int) -> None:
        nonlocal errors
        chance = random.Random(seed * 1000 + number)  # noqa: S311 - pauses, not secrets
        while True:
            await asyncio.sleep(chance.expovariate(1 / pause_s))
            if time.perf_counter() >= deadline:
                return
            try:
                latency, status = await _send(port, _request(path, body, headers, port))
            except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
                errors += 1
                continue
            if 200 <= status < 300:
                latencies.append(latency)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(connection(number) for number in range(connections)))
    return latencies, errors, time.perf_counter() - started


def paced(port: int, path: str, body: dict, headers: dict, *, connections: int, seconds: int,
          rate: float) -> dict:  # fmt: skip
    """About ``rate`` requests a second in all from ``connections`` paced connections."""
    pause_s = connections / rate
    latencies, errors, elapsed = asyncio.run(
        _run(port, path, body, headers, connections, seconds, pause_s, seed=7)
    )
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0
    return {"rps": len(latencies) / elapsed, "p99_ms": p99 * 1000, "errors": errors}
