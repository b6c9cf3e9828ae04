#!/usr/bin/env python3
"""Development tasks for funnelcore; needs only Python 3.10+ and pip.

    python3 dev.py demo    # the main job: the seed stories end to end on built-in data
    python3 dev.py test    # the whole suite: ruff, mypy --strict, pyright, typing checks, pytest
    python3 dev.py bench   # the benchmarks (a few minutes)
    python3 dev.py compat  # the tests on the lowest dependency versions, and on other Pythons

Each task first makes sure ``.venv/`` exists and holds funnelcore with its ``dev`` extra
(re-installed when ``pyproject.toml`` changes), then runs inside it. CI runs ``python3 dev.py
test``, exactly as the README says.
"""

from __future__ import annotations

import hashlib
import os
import shutil
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
#: The Pythons funnelcore supports (pyproject.toml's classifiers); ``compat`` tests the others.
SUPPORTED = ("3.10", "3.11", "3.12", "3.13")


def run(*command: str | Path, venv_dir: Path = VENV) -> None:
    """Run a command in the project root; stop with its exit code if it fails."""
    print("+", " ".join(str(part) for part in command), flush=True)
    # As if the venv were activated: pyright finds the venv's packages through PATH.
    bin_dir = venv_dir / BIN.name
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    env = {**os.environ, "VIRTUAL_ENV": str(venv_dir), "PATH": path}
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
    # mypy --strict over the package, the typing tests, the examples and the benchmarks
    # (warn_unused_ignores is on, so a line in tests/typing that stops failing fails the run).
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


def task_compat() -> None:
    """Run the tests on the lowest dependency versions, and under every other supported Python.

    First in ``.venv-minimum`` with this Python and every dependency at the lowest version
    ``pyproject.toml`` allows (``minimum-versions.txt``); then under each other supported Python
    on PATH or installed by pyenv, in its own ``.venv-3.X`` with the newest dependencies pip
    finds for it. A Python that is not found is named and skipped.
    """
    test_in(ROOT / ".venv-minimum", sys.executable, "-c", ROOT / "minimum-versions.txt")
    this = f"{sys.version_info.major}.{sys.version_info.minor}"
    tested = 0
    for version in SUPPORTED:
        if version == this:
            continue
        interpreter = find_python(version)
        if interpreter is None:
            print(f"compat: no python{version} on PATH or in pyenv; skipped", flush=True)
            continue
        test_in(ROOT / f".venv-{version}", interpreter)
        tested += 1
    print(f"compat: the tests passed on the lowest versions and {tested} other Python(s)")


def find_python(version: str) -> str | None:
    """A working ``python3.X``: the one on PATH, else the newest one pyenv installed."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    installed = sorted(pyenv.glob(f"{version}.*/bin/python{version}"), key=_release, reverse=True)
    for candidate in [shutil.which(f"python{version}"), *map(str, installed)]:
        # a pyenv shim is on PATH even when that version is not selected: it then fails
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True).returncode == 0:
            return candidate
    return None


def _release(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parts[-3].split(".") if part.isdigit())


def test_in(venv_dir: Path, interpreter: str, *pip_options: str | Path) -> None:
    """Install funnelcore[dev] into ``venv_dir`` (made by ``interpreter``) and run pytest."""
    python = venv_dir / BIN.name / PYTHON.name
    if not python.exists():
        run(interpreter, "-m", "venv", venv_dir)
    run(python, "-m", "pip", "install", "--quiet", "--upgrade", "pip", venv_dir=venv_dir)
    run(python, "-m", "pip", "install", "--quiet", "-e", ".[dev]", *pip_options, venv_dir=venv_dir)
    run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", venv_dir=venv_dir)


TASKS = {"demo": task_demo, "test": task_test, "bench": task_bench, "compat": task_compat}


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
