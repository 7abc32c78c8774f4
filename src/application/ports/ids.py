from abc import abstractmethod
from typing import Protocol
from uuid import UUID


class IdGenerator(Protocol):
    """New identifiers. Time-ordered (UUIDv7) in production so indexes stay compact."""

    @abstractmethod
    def new_id(self) -> UUID: ...
