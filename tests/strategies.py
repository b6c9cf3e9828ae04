"""Hypothesis strategies shared by the test suite, one section per area."""

from __future__ import annotations

from hypothesis import reject
from hypothesis import strategies as st

from funnelcore import SalesProcess, Stage
from funnelcore.errors import ScenarioError
from funnelcore.simulate import DealValue, Duration, Scenario

# -- simulation (funnelcore.simulate) -------------------------------------------------------------

_COMPLEX_OPEN = SalesProcess.complex().open_stages

probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
mean_days = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)
durations = st.one_of(
    st.builds(Duration.lognormal, cv=st.floats(min_value=0.05, max_value=2.0)),
    st.builds(Duration.gamma, shape=st.floats(min_value=0.3, max_value=20.0)),
    st.just(Duration.fixed()),
)
deal_values = st.builds(
    DealValue,
    mean=st.floats(min_value=0.0, max_value=1e6, allow_nan=False),
    distribution=st.sampled_from(["fixed", "lognormal"]),
    cv=st.floats(min_value=0.0, max_value=2.0, allow_nan=False),
)


@st.composite
def complex_scenarios(draw: st.DrawFn, *, max_leads: int = 2_000) -> Scenario:
    """A valid scenario of the complex process, with or without a revised-proposal loop."""
    advance = {stage: draw(probabilities) for stage in _COMPLEX_OPEN}
    loop = draw(st.floats(min_value=0.0, max_value=1.0 - advance[Stage.OBJECTIONS]))
    days = {stage: draw(mean_days) for stage in _COMPLEX_OPEN}
    try:
        return Scenario(
            process="complex",
            advance=advance,
            days=days,
            branch={Stage.OBJECTIONS: {Stage.PROPOSAL: loop}} if loop else {},
            duration=draw(durations),
            value=draw(deal_values),
            leads=draw(st.integers(min_value=0, max_value=max_leads)),
        )
    except ScenarioError:
        # A revised proposal taken for certain, with PROPOSAL always advancing, traps a deal
        # between PROPOSAL and OBJECTIONS for ever; such scenarios are rejected (tested apart).
        reject()
