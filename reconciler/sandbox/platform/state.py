"""What one running sandbox holds: its settings, its store, its clock, its faults, its request log and its
outgoing deliveries."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from reconciler.sandbox.platform.deliveries import DeliveryQueue
from reconciler.sandbox.platform.faults import FaultController, config_from_settings
from reconciler.sandbox.platform.request_log import RequestLog
from reconciler.sandbox.platform.settings import SandboxSettings
from reconciler.sandbox.platform.store import Store


@dataclass
class SandboxState:
    settings: SandboxSettings
    store: Store
    # Injected so lifecycle tests can move time without sleeping.
    clock: Callable[[], float] = field(default=time.time)
    faults: FaultController = field(init=False)
    requests: RequestLog = field(init=False)
    deliveries: DeliveryQueue = field(init=False)

    def __post_init__(self) -> None:
        self.faults = FaultController(config_from_settings(self.settings))
        self.requests = RequestLog(self.settings.request_log_size)
        self.deliveries = DeliveryQueue(self.settings, clock=self.now)

    def now(self) -> float:
        return self.clock()
