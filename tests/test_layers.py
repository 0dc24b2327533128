"""The layers of the code (.importlinter): core → orgs → domain apps → API and pages → demo, cli.

scripts/test.sh runs the contracts on the tree; these tests prove that they hold and that they catch
an import that goes the wrong way.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=package_parent,
        env={"PYTHONPATH": str(package_parent), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_import_contracts_are_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_from_core_up_into_an_app_breaks_the_layers(tmp_path):
    shutil.copytree(
        ROOT / "baozhang", tmp_path / "baozhang", ignore=shutil.ignore_patterns("static")
    )
    periods = tmp_path / "baozhang" / "core" / "periods.py"
    periods.write_text(periods.read_text() + "\nimport baozhang.reports.models  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "baozhang.core is not allowed to import baozhang.reports" in result.stdout


def test_a_cycle_between_two_files_of_a_package_is_caught(tmp_path):
    shutil.copytree(
        ROOT / "baozhang", tmp_path / "baozhang", ignore=shutil.ignore_patterns("static")
    )
    periods = tmp_path / "baozhang" / "core" / "periods.py"
    # Two files of core that import each other.
    periods.write_text(periods.read_text() + "\nimport baozhang.core.xlsx  # noqa\n")
    xlsx = tmp_path / "baozhang" / "core" / "xlsx.py"
    xlsx.write_text(xlsx.read_text() + "\nimport baozhang.core.periods  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "No cycles are allowed in baozhang.core" in result.stdout
