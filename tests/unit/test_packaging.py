"""The package's metadata says what was tested: each lower bound is pinned in the minimum run."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # the library reads TOML with tomli there too
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
#: The extras a user installs; ``dev`` holds the development tools, whose floors are not pinned.
RUNTIME_EXTRAS = ("analytics", "simulate", "plot", "spark")


def _release(version: str) -> tuple[int, ...]:
    parts = [int(part) for part in version.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _lower_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in RUNTIME_EXTRAS:
        requirements += project["optional-dependencies"][extra]
    bounds: dict[str, str] = {}
    for requirement in requirements:
        if "python_version" in requirement:  # a backport for older Pythons only
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)(,<[0-9.]+)?", requirement.strip())
        assert match, f"{requirement!r}: give a lower bound (name>=X), so it can be tested"
        bounds[match[1].lower()] = match[2]
    return bounds


def _pinned() -> dict[str, str]:
    lines = (ROOT / "minimum-versions.txt").read_text(encoding="utf-8").splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {name.strip().lower(): version.strip() for name, version in pins}


def test_every_lower_bound_is_the_version_the_minimum_run_installs() -> None:
    bounds, pinned = _lower_bounds(), _pinned()
    assert set(pinned) == set(bounds)
    for name, version in bounds.items():
        assert _release(pinned[name]) == _release(version), name
