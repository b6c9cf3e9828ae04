"""What counts as a missing cell, whatever library the cell came from."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

from funnelcore._missing import is_missing


@pytest.mark.parametrize(
    "value", [None, math.nan, np.nan, pd.NaT, pd.NA, np.datetime64("NaT", "ns")]
)
def test_no_value_is_missing(value: Any) -> None:
    assert is_missing(value)


@pytest.mark.parametrize(
    "value", [0, 0.0, "", "x", False, datetime(2026, 1, 5), np.array([1, 2]), pd.Timestamp(0)]
)
def test_a_value_is_not_missing(value: Any) -> None:
    assert not is_missing(value)
