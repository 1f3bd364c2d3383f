"""The pure core stays pure, and the tree stays lint-clean."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "indagine"
PURE = ("forms", "stats", "analysis", "narrative", "charts", "library")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PURE)
def test_the_pure_core_imports_no_web_framework(package):
    offenders = [
        str(p.relative_to(SRC))
        for p in (SRC / package).rglob("*.py")
        if _imports(p) & {"django", "ninja"}
    ]
    assert offenders == []


def test_ruff_finds_nothing():
    root = SRC.parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", str(root)],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
