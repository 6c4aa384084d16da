"""What is wrong with a scenario: problems (the scenario cannot run) and warnings (it can, but look).

Both read ``file: path.in.doc: reason`` — the scenario file, the place inside it written the way the
YAML nests (``parties[2].links[0].via``), and why — so a trainer can find the spot without a
traceback.  Loading collects every finding before it gives up, so one run of ``roamsim validate``
shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def join(path: str, key: str | int) -> str:
    """``parties`` + ``2`` → ``parties[2]``; ``parties[2]`` + ``links`` → ``parties[2].links``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


@dataclass(frozen=True)
class Problem:
    """One reason the scenario cannot be used, and where it is."""

    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        if self.path:
            return f"{self.file}: {self.path}: {self.reason}"
        return f"{self.file}: {self.reason}"


class ScenarioError(Exception):
    """A scenario that cannot be loaded; ``problems`` holds every reason (and ``warnings`` the rest)."""

    def __init__(self, problems: list[Problem], warnings: list[str] | None = None) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings or [])
        super().__init__("\n".join(self.messages))

    @property
    def messages(self) -> list[str]:
        """Each problem as one ``file: path: reason`` line."""
        return [str(problem) for problem in self.problems]


class UnreadableScenario(ScenarioError):
    """The scenario file itself cannot be read (missing, a directory, not UTF-8, no permission)."""


@dataclass
class Findings:
    """Collects the problems and warnings of one scenario file while it is being loaded."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def error(self, path: str, reason: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(Problem(self.file, path, reason))

    def warn(self, path: str, reason: str) -> None:
        """Record a warning at ``path``."""
        self.warnings.append(str(Problem(self.file, path, reason)))

    def raise_if_any(self) -> None:
        """Raise ``ScenarioError`` when a problem has been found."""
        if self.problems:
            raise ScenarioError(self.problems, self.warnings)
