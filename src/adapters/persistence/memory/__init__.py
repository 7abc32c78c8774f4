from adapters.persistence.memory.store import MemoryStore
from adapters.persistence.memory.unit_of_work import MemoryUnitOfWork

__all__ = ["MemoryStore", "MemoryUnitOfWork"]
