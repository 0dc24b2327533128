"""SQLite with writers queued on a lock file instead of SQLite's own busy wait.

SQLite lets one writer in at a time. A writer that finds the database busy sleeps in SQLite's steps
(1, 2, 5, 10 … 100 ms) before it retries, so under concurrent writes from the web processes and the
worker most of the latency is spent asleep after the lock was already free. Here every write
transaction (Django starts them with BEGIN IMMEDIATE) first takes an exclusive flock on a file beside
the database, retrying within a millisecond or two, and releases it at COMMIT or ROLLBACK. Readers
are not involved: in WAL mode they never wait for a writer.
"""

import contextlib
import fcntl
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base, creation

POLL_FIRST = 0.0002
POLL_MOST = 0.002


class DatabaseCreation(creation.DatabaseCreation):
    def _destroy_test_db(self, test_database_name, verbosity):
        super()._destroy_test_db(test_database_name, verbosity)
        if test_database_name and not self.is_in_memory_db(test_database_name):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{test_database_name}-writer.lock")


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    _writer_lock: int | None = None

    def _writer_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return f"{name}-writer.lock"

    def _writer_lock_acquire(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._writer_lock is not None:
            return
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        pause = POLL_FIRST
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(descriptor)
                    raise OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, POLL_MOST)
        self._writer_lock = descriptor

    def _writer_lock_release(self) -> None:
        descriptor, self._writer_lock = self._writer_lock, None
        if descriptor is not None:
            os.close(descriptor)  # closing the file releases the lock

    def _start_transaction_under_autocommit(self):
        self._writer_lock_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._writer_lock_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._writer_lock_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._writer_lock_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._writer_lock_release()
