"""How much work one request may ask for. Every limit can be raised by the person running cedash.

The dashboard reads overrides from environment variables named ``CEDASH_<FIELD>``
(for example ``CEDASH_MAX_ROWS=2000000``), so a teacher's server and a laptop
can differ without code changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int = 200 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 200
    max_classes: int = 20
    max_iter: int = 10_000
    # rows x iterations (x classes) is the cost of a run; 1e9 is about 30 s of numpy on 2 cores.
    max_work: int = 1_000_000_000

    @classmethod
    def from_env(cls, environ=None) -> Limits:
        environ = os.environ if environ is None else environ
        overrides = {}
        for f in fields(cls):
            raw = environ.get(f"CEDASH_{f.name.upper()}")
            if raw is not None:
                try:
                    overrides[f.name] = max(1, int(float(raw)))
                except ValueError:
                    continue
        return replace(cls(), **overrides)


DEFAULT_LIMITS = Limits()
