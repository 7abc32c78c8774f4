"""Providers for the posting queues' use cases."""

from __future__ import annotations

from dishka import (
    Provider,
    Scope,
    provide,
)

from application.delete_queue import DeleteQueue
from application.get_queue import GetQueue
from application.list_slots import ListSlots
from application.set_queue import SetQueue


class QueueProvider(Provider):
    """Posting queues and their slots; the reads live as long as the process."""

    scope = Scope.REQUEST

    get_queue = provide(GetQueue, scope=Scope.APP)
    list_slots = provide(ListSlots, scope=Scope.APP)
    set_queue = provide(SetQueue)
    delete_queue = provide(DeleteQueue)
