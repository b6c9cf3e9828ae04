#!/usr/bin/env python3
"""Development tasks for funnelcore; needs only Python 3.10+ and pip.

    python3 dev.py demo    # the main job: the seed stories end to end on built-in data
    python3 dev.py test    # the whole suite: ruff, mypy --strict, pyright, typing checks, pytest
    python3 dev.py bench   # the benchmarks (a few minutes)

Each task first makes sure ``.venv/`` exists and holds funnelcore with its ``dev`` extra
(re-installed when ``pyproject.toml`` changes), then runs inside it. CI runs ``python3 dev.py
test``, exactly as the README says.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".funnelcore-installed"
LINTED = ("src", "tests", "examples", "benchmarks", "docs", "conftest.py", "dev.py")


def run(*command: str | Path) -> None:
    """Run a command in the project root; stop with its exit code if it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    # As if the venv were activated: pyright finds the venv's packages through PATH.
    env = {**os.environ, "VIRTUAL_ENV": str(VENV), "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env, check=False)
    if result.returncode != 0:
        print(f"dev.py: failed with exit code {result.returncode}", file=sys.stderr)
        raise SystemExit(result.returncode)


def ensure_venv() -> None:
    """Create .venv and install funnelcore[dev] into it, unless it is already up to date."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", ".[dev]")
    STAMP.write_text(wanted)


def task_demo() -> None:
    """Run the demo."""
    run(BIN / "funnelcore", "demo")


def task_test() -> None:
    """Run every check and the whole test suite; fail on the first failure."""
    run(PYTHON, "-m", "ruff", "check", *LINTED)
    run(PYTHON, "-m", "ruff", "format", "--check", *LINTED)
    # mypy --strict over the package and the typing tests (warn_unused_ignores is on, so a
    # line in tests/typing that stops failing fails the run).
    run(PYTHON, "-m", "mypy", "--strict")
    run(BIN / "pyright", "--project", "pyproject.toml")
    # The typing tests again, under pyright, with unneeded "type: ignore" comments as errors.
    run(BIN / "pyright", "--project", "tests/typing/pyrightconfig.json")
    run(BIN / "pyright", "--verifytypes", "funnelcore", "--ignoreexternal")
    # pytest exits 5 when it collects nothing; run() treats that as the failure it is.
    run(PYTHON, "-m", "pytest", "-q")


def task_bench() -> None:
    """Run the benchmarks."""
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        run(PYTHON, script)


TASKS = {"demo": task_demo, "test": task_test, "bench": task_bench}


def main(argv: list[str]) -> int:
    """Run the task named in ``argv``."""
    if len(argv) != 1 or argv[0] not in TASKS:
        print(f"usage: python3 dev.py {{{'|'.join(TASKS)}}}", file=sys.stderr)
        return 2
    ensure_venv()
    TASKS[argv[0]]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
