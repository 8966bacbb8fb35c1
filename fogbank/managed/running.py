"""The engine processes a service has started, by supervisor process name, and stopping them all.

Each managed service keeps one: its nodes or instances are added when their engine is up and
removed when stopped, ``stop_all`` stops the rest in parallel when Fogbank closes or resets (a
sequential stop would add every engine's shutdown time), and the count is the service's status.
"""

from __future__ import annotations

import threading
from typing import Generic, Protocol, TypeVar


class Stoppable(Protocol):
    def stop(self, name: str) -> None: ...


D = TypeVar("D", bound=Stoppable)


class Running(Generic[D]):
    """Process name → the driver that started it; every method is safe from any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._drivers: dict[str, D] = {}

    def add(self, name: str, driver: D) -> None:
        with self.lock:
            self._drivers[name] = driver

    def get(self, name: str) -> D | None:
        with self.lock:
            return self._drivers.get(name)

    def pop(self, name: str) -> D | None:
        with self.lock:
            return self._drivers.pop(name, None)

    def stop(self, name: str) -> bool:
        """Stop one engine if it is running here; whether it was."""
        driver = self.pop(name)
        if driver is not None:
            driver.stop(name)
        return driver is not None

    def __contains__(self, name: object) -> bool:
        with self.lock:
            return name in self._drivers

    def __len__(self) -> int:
        with self.lock:
            return len(self._drivers)

    def stop_all(self) -> None:
        with self.lock:
            entries = list(self._drivers.items())
            self._drivers.clear()
        threads = [threading.Thread(target=driver.stop, args=(name,)) for name, driver in entries]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
