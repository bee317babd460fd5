"""A progress bar over chain steps (tqdm), free when disabled."""

from __future__ import annotations

from typing import Any


class Progress:
    """Counts steps on a tqdm bar when ``enabled``; every method is a no-op otherwise.

    The bar shows steps only: reporting acceptance on the fly would synchronise with the
    device every update, so it is set once, at the end, with :meth:`finish`.

    Example::

        with Progress(total=100, enabled=True, description="mala") as bar:
            for _ in range(100):
                bar.advance()
            bar.finish(acceptance=0.57)
    """

    def __init__(self, total: int, *, enabled: bool, description: str = "") -> None:
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=description, unit="step", leave=True)

    @property
    def enabled(self) -> bool:
        """Whether a bar is shown (callers skip computing statistics for a hidden bar)."""
        return self._bar is not None

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more steps."""
        if self._bar is not None:
            self._bar.update(n)

    def note(self, text: str) -> None:
        """Show ``text`` after the counter (e.g. which backend is running)."""
        if self._bar is not None:
            self._bar.set_postfix_str(text, refresh=False)

    def finish(self, **stats: float) -> None:
        """Show final statistics (formatted with 3 significant digits)."""
        if self._bar is not None and stats:
            self._bar.set_postfix({k: f"{v:.3g}" for k, v in stats.items()}, refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
