from abc import abstractmethod
from collections.abc import Sequence
from typing import Protocol

from application.ports.publish_queue import ClaimedTarget
from domain.outcomes import Outcome


class OutcomeRecorder(Protocol):
    """Records what came of publishes on their posts, and the events that follow."""

    @abstractmethod
    async def record(self, claimed: ClaimedTarget, outcome: Outcome) -> None:
        """Returns once the outcome is committed (or refused as late)."""

    @abstractmethod
    async def record_all(self, outcomes: Sequence[tuple[ClaimedTarget, Outcome]]) -> None:
        """Commits these outcomes together, in one transaction, or none of them."""
