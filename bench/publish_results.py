"""What a publishing run measured: the platform's receipts and the database's rows matched
against what was inserted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from adapters.persistence.sqlalchemy.tables import post_targets
from bench.publish_support import Accounts, Inserted, Scenario


@dataclass
class Run:
    """What one scenario measured."""

    scenario: Scenario
    committed_at: float
    receipts: list[float]
    lags: list[float]
    last_published: float
    peak_in_flight: int
    errors: int
    problems: list[str] = field(default_factory=list)
    cpu_ms_per_target: float = float("nan")

    @property
    def pickup_s(self) -> float:
        return self.receipts[0] - self.committed_at if self.receipts else float("nan")

    @property
    def platform_rate(self) -> float:
        if len(self.receipts) < 2:
            return float("nan")
        return (len(self.receipts) - 1) / (self.receipts[-1] - self.receipts[0])

    @property
    def completion_rate(self) -> float:
        if not self.receipts:
            return 0.0
        return self.scenario.count / (self.last_published - self.receipts[0])


async def collect(
    scenario: Scenario, accounts: Accounts, inserted: Inserted, platform: dict[str, Any]
) -> Run:
    """Matches the platform's receipts and the database's rows against what was inserted."""
    prefix = f"{scenario.label} #"
    mine = [(t, text) for t, text in platform["receipts"] if text.startswith(prefix)]
    seen = Counter(text for _, text in mine)
    first: dict[str, float] = {}
    for t, text in sorted(mine):
        first.setdefault(text, t)
    expected = inserted.scheduled
    problems = []
    twice = sum(c - 1 for c in seen.values() if c > 1)
    missing = len(expected.keys() - seen.keys())
    unasked = len(seen.keys() - expected.keys())
    async with accounts.engine.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    post_targets.c.content, post_targets.c.status, post_targets.c.published_at
                ).where(post_targets.c.content.like(prefix + "%"))
            )
        ).all()
    unpublished = sum(1 for _, status, _ in rows if status != "published")
    unpublished += len(expected) - len(rows)
    for count, what in (
        (twice, "sent more than once"),
        (missing, "never reached the platform"),
        (unasked, "reached the platform unasked"),
        (unpublished, "not published in the database"),
        (platform["refused"], "refused by the platform (bad request or no token)"),
    ):
        if count:
            problems.append(f"{scenario.label}: {count} {what}")
    published = [at.timestamp() for _, _, at in rows if at is not None]
    lags = sorted(first[text] - at.timestamp() for text, at in expected.items() if text in first)
    return Run(
        scenario=scenario,
        committed_at=inserted.committed_at,
        receipts=sorted(first.values()),
        lags=lags,
        last_published=max(published, default=float("nan")),
        peak_in_flight=platform["peak_in_flight"],
        errors=twice + missing + unasked + unpublished + platform["refused"],
        problems=problems,
    )
