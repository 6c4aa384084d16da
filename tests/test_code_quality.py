"""ruff and mypy must stay clean on sim/ (the project's rule), checked with every test run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; run .ci/setup")
    return found


def test_ruff_is_clean_on_sim() -> None:
    result = subprocess.run([_tool("ruff"), "check", "sim"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_sim() -> None:
    result = subprocess.run([_tool("mypy")], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
