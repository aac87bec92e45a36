"""What one running sandbox holds: its settings, its store and its clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.sandbox.settings import SandboxSettings
from reconciler.sandbox.store import Store


@dataclass
class SandboxState:
    settings: SandboxSettings
    store: Store
    # Injected so lifecycle tests can move time without sleeping.
    clock: Callable[[], float] = field(default=time.time)

    def now(self) -> float:
        return self.clock()
