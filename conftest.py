"""Runs the code in the docs and in docstrings as tests (Sybil).

``docs/**/*.md`` and ``README.md``: ```python fences (``>>>`` examples and plain blocks) run
in page order, sharing one namespace per page. ``src/**/*.py``: ``>>>`` examples in docstrings.
"""

from __future__ import annotations

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser
from sybil.parsers.rest import DocTestParser
from sybil.sybil import SybilCollection

_FLAGS = ELLIPSIS | NORMALIZE_WHITESPACE

_docs = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=_FLAGS)],
    patterns=["*.md"],
    path="docs",
)
_docstrings = Sybil(
    parsers=[DocTestParser(optionflags=_FLAGS)],
    patterns=["*.py"],
    path="src",
)

_readme = Sybil(
    parsers=[PythonCodeBlockParser(doctest_optionflags=_FLAGS)],
    patterns=["README.md"],
    path=".",
)

pytest_collect_file = SybilCollection([_docs, _docstrings, _readme]).pytest()
