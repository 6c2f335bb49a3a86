"""A bounded, thread-safe least-recently-used table: the one shape every
per-path cache of the static server uses, so that each states its bounds."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``max_entries`` entries and, when ``cost`` is given, at most
    ``max_cost`` total cost (e.g. bytes held); the least recently used go first.
    An entry costing more than ``max_cost`` on its own is not kept."""

    def __init__(self, max_entries: int, max_cost: int = 0, cost: Callable[[V], int] | None = None):
        self.max_entries = max_entries
        self.max_cost = max_cost
        self._cost = cost
        self._total = 0
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        cost = self._cost(value) if self._cost else 0
        with self._lock:
            self._drop(key)
            if self._cost and cost > self.max_cost:
                return
            self._data[key] = value
            self._total += cost
            while len(self._data) > self.max_entries or (self._cost and self._total > self.max_cost):
                oldest = next(iter(self._data))
                self._drop(oldest)

    def pop(self, key: K) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._total = 0

    def _drop(self, key: K) -> None:
        value = self._data.pop(key, None)
        if value is not None and self._cost:
            self._total -= self._cost(value)

    def __len__(self) -> int:
        return len(self._data)

    @property
    def total_cost(self) -> int:
        return self._total
