"""Write docs/reference/api.md from the public names and their docstrings.

Run ``python docs/reference/generate.py`` after changing the public API;
``tests/unit/test_docs_reference.py`` fails while the page is out of date.
"""

from __future__ import annotations

import enum
import inspect
import sys
from pathlib import Path

import attrs

PAGE = Path(__file__).with_name("api.md")

#: Modules documented, in order: the package itself, then its public submodules.
MODULES = ("funnelcore", "funnelcore.testing", "funnelcore.analytics", "funnelcore.simulate")


def summary(obj: object) -> str:
    """The first paragraph of ``obj``'s docstring, on one line."""
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def describe(module_name: str, name: str, obj: object) -> list[str]:
    """The Markdown lines for one public name."""
    if inspect.isclass(obj):
        kind = "enum" if issubclass(obj, enum.Enum) else "class"
        if issubclass(obj, BaseException):
            kind = "exception"
        lines = [f"### `{name}` ({kind})", "", summary(obj), ""]
        if issubclass(obj, enum.Enum):
            members = ", ".join(f"`{m.name}`" for m in obj)
            lines += [f"Members: {members}.", ""]
        else:
            fields = (
                [f.name for f in attrs.fields(obj) if not f.name.startswith("_")]
                if attrs.has(obj)
                else []
            )
            if fields:
                lines += ["Fields: " + ", ".join(f"`{f}`" for f in fields) + ".", ""]
            methods = [
                member
                for member, value in vars(obj).items()
                if not member.startswith("_")
                and (
                    inspect.isfunction(value)
                    or isinstance(value, (classmethod, staticmethod, property))
                )
            ]
            for member in methods:
                value = getattr(obj, member)
                text = (
                    summary(value)
                    if not isinstance(vars(obj)[member], property)
                    else summary(vars(obj)[member])
                )
                lines.append(f"- `{member}`: {text}")
            if methods:
                lines.append("")
        return lines
    if callable(obj):
        try:
            signature = str(inspect.signature(obj))
        except (TypeError, ValueError):
            signature = "(...)"
        return [f"### `{name}{signature}`", "", summary(obj), ""]
    return [
        f"### `{name}`",
        "",
        f"A constant: `{obj!r}`." if len(repr(obj)) < 60 else "A constant.",
        "",
    ]


def render() -> str:
    """The whole page."""
    import importlib

    out = [
        "# API reference",
        "",
        "Generated from the docstrings by `docs/reference/generate.py`; do not edit by hand.",
        "`from funnelcore import X` is the one documented import path for the names of the",
        "package itself; the submodules below are public too.",
        "",
    ]
    for module_name in MODULES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        out += [f"## `{module_name}`", "", summary(module), ""]
        for name in module.__all__:
            if name.startswith("__"):
                continue
            out += describe(module_name, name, getattr(module, name))
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    """Write the page."""
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
