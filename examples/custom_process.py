"""A four-stage CRM process (Prospecting > Engaging > Won / Lost), defined as data and used.

Run: python examples/custom_process.py
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from funnelcore import (
    Lead,
    LeadSource,
    ProcessDefinitionError,
    Product,
    SalesProcess,
    SalesRep,
)

CRM = {
    "name": "crm",
    "stages": ["prospecting", "engaging", "won", "lost"],
    "entry": "prospecting",
    "won": "won",
    "lost": "lost",
    "moves": [
        {"name": "engage", "from": "prospecting", "to": "engaging", "by": ["sales"]},
        {"name": "win", "from": "engaging", "to": "won", "by": ["sales"]},
    ],
    "probability": {"prospecting": 0.2, "engaging": 0.6},
}


def main() -> None:
    crm = SalesProcess.from_mapping(CRM)
    print(crm.to_mermaid())
    rep = SalesRep("Moses Frase")
    t0 = datetime(2016, 10, 20, tzinfo=timezone.utc)
    deal = crm.open_deal(
        Lead("Cancity", source=LeadSource.OUTBOUND), Product("GTX Basic"), by=rep, at=t0
    )
    engaged = crm.advance(deal, crm.stage("engaging"), by=rep, at=t0 + timedelta(days=3))
    won = crm.win(engaged, by=rep, at=t0 + timedelta(days=132))
    days = (won.closed_at - won.opened_at).days
    print(f"deal {won.id}: {' > '.join(c.stage.value for c in won.history)} in {days} days")

    broken = {
        **CRM,
        "moves": [{"name": "engage", "from": "prospecting", "to": "engagin", "by": ["marketing"]}],
    }
    try:
        SalesProcess.from_mapping(broken)
    except ProcessDefinitionError as error:
        print(f"a broken definition is refused with {len(error.problems)} problem(s):")
        for problem in error.problems:
            print(f"  - {problem}")


if __name__ == "__main__":
    main()
