"""The runnable examples run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("script", ["realtime.py", "settlement_life.py"])
def test_example_runs(script: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout
