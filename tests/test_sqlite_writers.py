"""The SQLite backend queues writers on a lock file: concurrent write transactions all land, one
after another, and a writer that cannot get in within the timeout gets "database is locked"."""

import fcntl
import os
import threading

import pytest
from django.db import OperationalError

from baozhang.core.sqlite.base import DatabaseWrapper


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker):
    # These connections are the test's own, to a file of its own, not the test database.
    with django_db_blocker.unblock():
        yield


def wrapper(path, timeout=5) -> DatabaseWrapper:
    connection = DatabaseWrapper(
        {
            "NAME": str(path),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
            "AUTOCOMMIT": True,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "TIME_ZONE": None,
            "ATOMIC_REQUESTS": False,
            "TEST": {},
        },
        alias="writers",
    )
    return connection


def lock_is_free(path) -> bool:
    descriptor = os.open(f"{path}-writer.lock", os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)


def transaction_run(connection, statements):
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.set_autocommit(True)


def test_concurrent_write_transactions_all_land(tmp_path):
    path = tmp_path / "writers.sqlite3"
    setup = wrapper(path)
    with setup.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    errors = []

    def writer():
        connection = wrapper(path)
        try:
            for _ in range(50):
                # Read then write inside one transaction: lost updates would show in the total.
                connection.set_autocommit(
                    False, force_begin_transaction_with_broken_autocommit=True
                )
                with connection.cursor() as cursor:
                    cursor.execute("SELECT n FROM counter")
                    (n,) = cursor.fetchone()
                    cursor.execute("UPDATE counter SET n = %s", [n + 1])
                connection.commit()
                connection.set_autocommit(True)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with setup.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone() == (200,)
    assert (tmp_path / "writers.sqlite3-writer.lock").exists()
    setup.close()


def test_a_writer_that_waits_too_long_is_told_the_database_is_locked(tmp_path):
    path = tmp_path / "writers.sqlite3"
    holder, waiter = wrapper(path), wrapper(path, timeout=0.2)
    with holder.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    holder.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with holder.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    assert lock_is_free(path) is False  # the holder's transaction holds the lock file
    with pytest.raises(OperationalError, match="database is locked"):
        transaction_run(waiter, ["INSERT INTO t VALUES (2)"])
    holder.rollback()  # releases the lock: now the waiter gets in
    holder.set_autocommit(True)
    assert lock_is_free(path) is True
    transaction_run(waiter, ["INSERT INTO t VALUES (3)"])
    with holder.cursor() as cursor:
        cursor.execute("SELECT n FROM t")
        assert cursor.fetchall() == [(3,)]
    holder.close()
    waiter.close()
