"""A small least-recently-used cache of finished runs, keyed by the data's content and the settings.

Going back to an earlier setting is then instant. The key hashes every byte of
the data (not a sample), so two tables that differ in one edited cell never
share an entry.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from cedash.data.dataset import Dataset
from cedash.model import compiled


def fingerprint(data: Dataset) -> str:
    """A digest of everything in ``data`` that training depends on."""
    h = hashlib.blake2b(digest_size=16)
    X = np.ascontiguousarray(data.X)
    h.update(str((X.shape, X.dtype.str)).encode())
    h.update(memoryview(X).cast("B"))
    y = data.y
    if y.dtype.kind in "biuf":
        h.update(str(y.dtype.str).encode())
        h.update(memoryview(np.ascontiguousarray(y)).cast("B"))
    else:
        h.update("\x1f".join(map(str, y.tolist())).encode("utf-8", "surrogatepass"))
    h.update(repr((data.feature_names, data.target_name)).encode())
    return h.hexdigest()


class RunCache:
    """Thread-safe LRU mapping ``key -> value`` with at most ``max_entries`` values."""

    def __init__(self, max_entries: int = 32):
        self.max_entries = max_entries
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key, compute: Callable[[], object]):
        """The cached value for ``key``, computing and storing it on a miss; returns (value, was_cached).

        Entries made on the numpy path are never served once the compiled path is on, nor the other way
        round. A new server trains on the numpy path while its kernels compile (``cedash.runs.warm_up``). The
        two paths agree to rounding, but a run whose loss oscillates (learning rate 50 on the moons) grows a
        rounding difference into another curve: without this, the same link showed one run or the other
        depending on the replica, and on whether the run was first trained in a server's first seconds.
        """
        key = (compiled.wanted(), key)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key], True
        value = compute()  # outside the lock: one slow run must not block other sessions
        with self._lock:
            self.misses += 1
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return value, False

    def __len__(self) -> int:
        return len(self._items)
