"""`baozhang serve` keeps its background worker running: a thread beside the web server starts the
worker process, and starts it again whenever it exits, after a pause that doubles from one second
to a minute while the worker keeps stopping soon after its start (a database that is down, a bad
configuration) and falls back to a second once it has run steadily for a while."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

FIRST_PAUSE = 1.0
LONGEST_PAUSE = 60.0
STEADY_AFTER = 120.0  # a worker that ran this long had no trouble starting
STOP_SECONDS = 30.0  # for the task at hand to finish before the worker is killed


class Supervisor:
    """Start a process with `start`, and start it again after each exit until stop()."""

    def __init__(
        self,
        start: Callable[[], subprocess.Popen],
        *,
        first_pause: float = FIRST_PAUSE,
        longest_pause: float = LONGEST_PAUSE,
        steady_after: float = STEADY_AFTER,
        stop_seconds: float = STOP_SECONDS,
        poll_seconds: float = 0.2,
    ):
        self.start_process = start
        self.first_pause, self.longest_pause = first_pause, longest_pause
        self.steady_after, self.stop_seconds = steady_after, stop_seconds
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self.thread = threading.Thread(target=self._loop, name="baozhang-supervisor", daemon=True)

    def start(self) -> Supervisor:
        self.thread.start()
        return self

    def _launch(self) -> subprocess.Popen | None:
        with self.lock:  # stop() never misses a process started at the same moment
            if self.stopping.is_set():
                return None
            self.process = self.start_process()
            self.starts += 1
            return self.process

    def _loop(self) -> None:
        pause = self.first_pause
        while (process := self._launch()) is not None:
            started = time.monotonic()
            while process.poll() is None and not self.stopping.wait(self.poll_seconds):
                pass
            if self.stopping.is_set():
                return
            ran = time.monotonic() - started
            if ran >= self.steady_after:
                pause = self.first_pause
            # Under gunicorn the code is often lost: its arbiter reaps every child that exits.
            code = f" with exit code {process.returncode}" if process.returncode else ""
            logger.warning(
                "The background worker (process %s) stopped%s after %.0f s; "
                "starting it again in %.0f s",
                process.pid,
                code,
                ran,
                pause,
            )
            if self.stopping.wait(pause):
                return
            pause = min(pause * 2, self.longest_pause)

    def stop(self) -> None:
        """Stop supervising and end the process: let it finish its task, then kill it."""
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=self.stop_seconds)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.thread.join(timeout=self.stop_seconds)
