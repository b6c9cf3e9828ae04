"""The generated API reference matches the code."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import funnelcore

ROOT = Path(__file__).resolve().parents[2]


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "docs/reference/generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_api_reference_is_up_to_date() -> None:
    """Run `python docs/reference/generate.py` when this fails."""
    generator = load_generator()
    assert (ROOT / "docs/reference/api.md").read_text(encoding="utf-8") == generator.render()


def test_every_public_name_is_in_the_reference() -> None:
    page = (ROOT / "docs/reference/api.md").read_text(encoding="utf-8")
    for name in funnelcore.__all__:
        if not name.startswith("__"):
            assert f"### `{name}" in page, name


def test_every_public_name_has_a_docstring() -> None:
    for name in funnelcore.__all__:
        obj = getattr(funnelcore, name)
        if callable(obj) and not name.startswith("__"):
            assert (obj.__doc__ or "").strip(), name
