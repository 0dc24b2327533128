"""Run the `baozhang` command as a user does: a separate process with its own environment."""

import os
import subprocess
import sys
from pathlib import Path


def console_env(data_dir: Path, **extra: str) -> dict:
    """The environment of a console run on SQLite in data_dir (not the test run's database)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "BAOZHANG_LANGUAGE"}
    }
    env["BAOZHANG_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def baozhang(env: dict, *arguments: str, check_code: int | None = 0):
    """Run `baozhang ARGUMENTS`; assert the exit code unless check_code is None."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "baozhang.cli", *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if check_code is not None:
        assert result.returncode == check_code, result.stdout + result.stderr
    return result
