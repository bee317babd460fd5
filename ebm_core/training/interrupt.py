"""Turn Ctrl-C (SIGINT) or SIGTERM into a request the training loop honours between steps.

Inside ``with GracefulInterrupt() as stop:`` the first SIGINT/SIGTERM (Ctrl-C, a cluster's
pre-emption notice) only sets ``stop.requested``;
the loop finishes the current step, writes a checkpoint and stops. A second one raises
``KeyboardInterrupt`` at once (the last good checkpoint is still intact: writes are atomic).
Outside the main thread signals cannot be handled and the context does nothing.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any


class GracefulInterrupt:
    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "GracefulInterrupt":
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: Any) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
