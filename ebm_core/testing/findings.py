"""How the conformance kit reports problems: :class:`Findings` collects, :class:`ConformanceError` raises.

A check does not stop at the first problem: it records every problem it finds, each as one
sentence that names the component, what was expected, what happened and what usually causes
it, then raises them together. A plugin author reads the whole list once instead of fixing
problems one test run at a time.

Example::

    from ebm_core.testing import ConformanceError, Findings

    findings = Findings("sampler 'rwm'")
    findings.add("shapes", "sample() returned shape (4, 3) for chains of shape (4, 2)")
    try:
        findings.raise_if_any()
    except ConformanceError as error:
        assert error.problems[0].check == "shapes"
        assert "sampler 'rwm' failed 1 conformance check" in str(error)
"""

from __future__ import annotations

import dataclasses
import traceback


@dataclasses.dataclass(frozen=True)
class Problem:
    """One failed expectation: which check (``"generator"``, ``"shapes"``, …) and what is wrong."""

    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


class ConformanceError(AssertionError):
    """A component does not meet the contract; :attr:`problems` lists every failure found.

    It derives from ``AssertionError`` so pytest reports it as a test failure (with the
    full message), not as an error in the test's setup.
    """

    def __init__(self, subject: str, problems: list[Problem]) -> None:
        self.subject = subject
        self.problems = list(problems)
        n = len(self.problems)
        lines = "\n".join(f"  {i}. {p}" for i, p in enumerate(self.problems, 1))
        super().__init__(f"{subject} failed {n} conformance check{'s' if n != 1 else ''}:\n{lines}")


class Findings:
    """Collects :class:`Problem` s about ``subject`` (e.g. ``"sampler 'rwm'"``) and raises them.

    :meth:`guard` runs a piece of a check and turns an unexpected exception into a problem
    that says which call raised and how, so one crashing call does not hide the others.
    """

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.problems: list[Problem] = []
        self.notes: list[str] = []

    def add(self, check: str, message: str) -> None:
        """Record a problem found by ``check``."""
        self.problems.append(Problem(check, message))

    def note(self, message: str) -> None:
        """Record something the author should know that is not a failure (e.g. a skipped part)."""
        self.notes.append(message)

    def guard(self, check: str, what: str, hint: str = "") -> "_Guard":
        """``with findings.guard("shapes", "sample(x, n_steps=3)"):`` — exceptions become problems.

        ``hint`` is appended to the problem (what the contract expects instead).
        """
        return _Guard(self, check, what, hint)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_if_any(self) -> None:
        """Raise :class:`ConformanceError` listing every problem (nothing if there is none)."""
        if self.problems:
            raise ConformanceError(self.subject, self.problems)


class _Guard:
    def __init__(self, findings: Findings, check: str, what: str, hint: str) -> None:
        self.findings, self.check, self.what, self.hint = findings, check, what, hint
        self.failed = False

    def __enter__(self) -> "_Guard":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc is None or isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return False
        if isinstance(exc, ConformanceError):
            self.findings.problems.extend(exc.problems)
        else:
            where = traceback.extract_tb(tb)[-1]
            self.findings.add(
                self.check,
                f"{self.what} raised {type(exc).__name__}: {exc} "
                f"(at {where.filename}:{where.lineno}, in {where.name})"
                + (f"; {self.hint}" if self.hint else ""),
            )
        self.failed = True
        return True
