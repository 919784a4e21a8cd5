"""The layer rules `make lint` checks (import-linter, contracts in pyproject.toml): each one is
broken on purpose in a copy of the package, and the checker must say so; and the domain's list of
forbidden neighbours names every part of kiosk, so a new module cannot slip past it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _contracts() -> list[dict[str, object]]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return list(tomllib.load(handle)["tool"]["importlinter"]["contracts"])


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "kiosk", root / "kiosk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", root)
    return root


def test_the_package_keeps_every_contract() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("domain/names.py", "import sqlalchemy", "the domain imports only the standard library"),
        ("domain/names.py", "import kiosk.config", "the domain imports only the standard"),
        ("app.py", "import kivy", "only kiosk.ui imports kivy"),
        ("ui/home.py", "import kiosk.store.models", "kiosk.ui never imports the store"),
        ("sync/pusher.py", "import kiosk.cli.common", "kiosk.sync never imports the command line"),
        ("services/kiosk.py", "import gpiozero", "only kiosk.hardware imports gpiozero"),
        ("export.py", "import requests", "only kiosk.sync imports requests"),
    ],
)
def test_a_broken_rule_fails_the_check(copy: Path, module: str, line: str, contract: str) -> None:
    path = copy / "kiosk" / module
    original = path.read_text()
    path.write_text(original + f"\n{line}  # a breach, on purpose\n")
    try:
        result = _lint(copy)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout


def test_the_domain_contract_names_every_other_part_of_kiosk() -> None:
    (domain,) = [c for c in _contracts() if c["source_modules"] == ["kiosk.domain"]]
    forbidden = {str(m) for m in domain["forbidden_modules"]}  # type: ignore[attr-defined]
    parts = {
        f"kiosk.{p.stem}"
        for p in (ROOT / "kiosk").iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
        or (p.is_dir() and (p / "__init__.py").exists())
    }
    assert parts - {"kiosk.domain"} <= forbidden, "add the new module to the domain's contract"
