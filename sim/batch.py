"""Parameter sweeps: one scenario, some of its values varied, several seeds, one row of KPIs per run.

A ``Setting`` names a value of the scenario document by the path the loader's problems use
(``parties[2].drivers.count``, ``faults[0].for``, ``duration``) and lists the values to try, read
as YAML scalars (``10``, ``45m``, ``true``, ``"17:00"`` …).  ``plan_sweep`` applies every
combination of the settings (the Cartesian product, first setting slowest) to the raw YAML document,
checks each result like a scenario file, and pairs it with every seed: a list of ``Run``s.

``run_one`` is a pure function of a ``Run`` (scenario text, base directory, seed, ``until``), so a
run gives the same KPIs in this process or in a worker, in any order.  ``run_sweep`` runs them in a
``ProcessPoolExecutor`` (or here, for one job) and returns the outcomes in plan order
(``sim.commands.batch`` writes them as ``results.csv``).
"""

from __future__ import annotations

import itertools
import re
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from typing import Any

import yaml

from sim.scenario import LoadedScenario, ScenarioError, parse_scenario
from sim.scenario.problems import Problem, join
from sim.scenario.yamlread import YAMLSyntaxError, read_yaml
from sim.simulation import Simulation

OK, EXPECTATIONS_FAILED, FAILED = "ok", "expectations_failed", "failed"

PathPart = str | int
_PATH = re.compile(r"[^.\[\]]+(?:\[\d+\])*(?:\.[^.\[\]]+(?:\[\d+\])*)*")
_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
_OPERATOR_KEY = re.compile(r"(.*\.(?:>=|<=|==))=(.*)", re.S)
"""``expect[0].>==0.9``: a threshold's key itself ends in ``=``."""
_SEEDS = re.compile(r"(\d+)(?:-(\d+))?")


class SweepError(ValueError):
    """A sweep that cannot start; each line says which ``--set`` (or option) and why."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = list(lines)
        super().__init__("\n".join(self.lines))


# --- what to vary ---------------------------------------------------------------------------------


def parse_path(text: str) -> tuple[PathPart, ...]:
    """``parties[2].drivers.count`` → ``("parties", 2, "drivers", "count")``; ``ValueError`` if malformed."""
    if not _PATH.fullmatch(text):
        raise ValueError(f"{text!r} is not a path in the scenario (write e.g. parties[1].drivers.count or duration)")
    return tuple(int(index) if index else key for index, key in _PATH_PART.findall(text))


def format_path(parts: Iterable[PathPart]) -> str:
    """The loader's spelling of a path (``parties[2].drivers.count``)."""
    path = ""
    for part in parts:
        path = join(path, part)
    return path


@dataclass(frozen=True)
class Setting:
    """One ``--set PATH=V1,V2``: where in the document, the values to try and how they were written."""

    path: str
    parts: tuple[PathPart, ...]
    values: tuple[Any, ...]
    texts: tuple[str, ...]

    @property
    def written(self) -> str:
        """``PATH=V1,V2`` as given (for messages)."""
        return f"{self.path}={','.join(self.texts)}"


def parse_setting(text: str) -> Setting:
    """Read ``PATH=V1,V2``; ``SweepError`` (one line) when the path or a value cannot be read."""
    operator = _OPERATOR_KEY.fullmatch(text)
    path_text, equals, values_text = (operator.group(1), "=", operator.group(2)) if operator else text.partition("=")
    path_text = path_text.strip()
    if not equals or not path_text:
        raise SweepError([f"--set {text}: write PATH=VALUE[,VALUE...], e.g. parties[1].drivers.count=10,20"])
    try:
        parts = parse_path(path_text)
    except ValueError as exc:
        raise SweepError([f"--set {text}: {exc}"]) from None
    if parts == ("seed",):
        raise SweepError([f"--set {text}: sweep seeds with --seeds (e.g. --seeds 1-5)"])
    texts = tuple(piece.strip() for piece in values_text.split(","))
    values = []
    for piece in texts:
        if not piece:
            raise SweepError([f"--set {text}: an empty value (values are separated by commas)"])
        try:
            value = read_yaml(piece)
        except YAMLSyntaxError as exc:
            raise SweepError([f"--set {text}: {piece!r} is not a YAML value ({exc.reason})"]) from None
        if isinstance(value, (dict, list)):
            raise SweepError([f"--set {text}: {piece!r} is not a single value (a number, word or duration)"])
        values.append(value)
    repeated = sorted({piece for piece in texts if texts.count(piece) > 1})
    if repeated:
        raise SweepError([f"--set {text}: {repeated[0]} is listed twice"])
    return Setting(format_path(parts), parts, tuple(values), texts)


def parse_seeds(text: str) -> tuple[int, ...]:
    """``1-5``, ``7``, ``1,3,7`` or ``1-3,10`` → the seeds in that order; ``SweepError`` otherwise."""
    seeds: dict[int, None] = {}
    for piece in (piece.strip() for piece in text.split(",")):
        match = _SEEDS.fullmatch(piece)
        if match is None:
            raise SweepError([f"--seeds {text}: {piece!r} is not a seed or a range of seeds (write e.g. 1-5 or 1,3,7)"])
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise SweepError([f"--seeds {text}: {piece} is not a range (write low-high, e.g. {high}-{low})"])
        for seed in range(low, high + 1):
            if seed in seeds:
                raise SweepError([f"--seeds {text}: seed {seed} is listed twice"])
            seeds[seed] = None
    return tuple(seeds)


# --- applying settings to the document ------------------------------------------------------------


class PathError(ValueError):
    """A path that does not lead to a place in the document: ``where`` (a path) and ``reason``."""

    def __init__(self, where: str, reason: str) -> None:
        self.where, self.reason = where, reason
        super().__init__(f"{where}: {reason}")


def _kind(value: Any) -> str:
    kinds = ((dict, "a mapping"), (list, "a list"), (bool, "true/false"), ((int, float), "a number"), (str, "a string"))
    return next((name for kind, name in kinds if isinstance(value, kind)), f"a {type(value).__name__}")


def set_value(document: dict[str, Any], parts: Sequence[PathPart], value: Any) -> None:
    """Put ``value`` at ``parts``; missing mapping keys are created, list items must exist (``PathError``)."""
    node: Any = document
    for depth, part in enumerate(parts):
        here, parent = format_path(parts[: depth + 1]), format_path(parts[:depth])
        if isinstance(part, int):
            if not isinstance(node, list):
                what = "not in the scenario" if node is None else f"{_kind(node)}, not a list"
                raise PathError(here, f"no such item ({parent} is {what})")
            if part >= len(node):
                raise PathError(here, f"no such item ({parent} has {len(node)} item{'' if len(node) == 1 else 's'})")
        elif not isinstance(node, dict):
            raise PathError(here, f"no such key ({parent} is {_kind(node)}, not a mapping)")
        if depth == len(parts) - 1:
            node[part] = value
            return
        child = node[part] if isinstance(part, int) else node.get(part)
        if child is None and isinstance(parts[depth + 1], str):
            child = node[part] = {}
        node = child


def _tree(value: Any) -> Any:
    """A fresh copy of a YAML tree (YAML aliases become separate copies, so a setting changes one place)."""
    if isinstance(value, dict):
        return {key: _tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_tree(item) for item in value]
    return value


# --- planning -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One run of a sweep: everything it depends on (it is a pure function of these)."""

    index: int
    params: tuple[tuple[str, str], ...]
    """(path, value as written) of each setting, in the settings' order."""
    seed: int
    text: str
    """The scenario YAML with the settings applied."""
    source: str
    base_dir: str
    until: float | None

    @property
    def label(self) -> str:
        """``path=value ... seed=N`` (for progress lines)."""
        return " ".join([*(f"{path}={value}" for path, value in self.params), f"seed={self.seed}"])


@dataclass
class Plan:
    """The runs of a sweep, in row order, and the warnings loading its scenarios gave."""

    settings: list[Setting]
    runs: list[Run]
    warnings: list[str] = field(default_factory=list)


def _related(a: str, b: str) -> bool:
    """One path is the other or lies inside it."""
    short, long = sorted((a, b), key=len)
    return long == short or long.startswith((short + ".", short + "["))


Chosen = list[tuple[Setting, str, Any]]
"""One combination: each setting with its value (as written, and as read)."""
Blame = tuple[str, str | None, str]
"""A problem of a combination: (the ``--set`` path to blame, or every ``--set`` of the combination; the blamed
value; ``file: path: reason``)."""


def _label(chosen: Chosen) -> str:
    return " ".join(f"--set {setting.path}={shown}" for setting, shown, _ in chosen)


def plan_sweep(
    text: str,
    *,
    source: str,
    base_dir: Path,
    settings: Sequence[Setting],
    seeds: Sequence[int] | None,
    until: float | None,
) -> Plan:
    """Apply and check every combination (``SweepError`` names each bad ``--set``); pair each with the seeds.

    ``text`` must already load as a scenario (``ScenarioError`` otherwise).  Without ``seeds`` each
    combination runs once with its scenario's own seed.
    """
    base = parse_scenario(text, source=source, base_dir=base_dir)
    document = read_yaml(text)
    plan = Plan(list(settings), [], [f"warning: {line}" for line in base.warnings])
    errors: dict[tuple[str, str], list[str]] = {}
    for choice in itertools.product(*(range(len(setting.values)) for setting in settings)):
        chosen = [(setting, setting.texts[i], setting.values[i]) for setting, i in zip(settings, choice, strict=True)]
        applied = _apply(document, chosen, text, source, base_dir)
        if isinstance(applied, list):
            for who, shown, problem in applied:
                values = errors.setdefault((who, problem), [])
                if shown is not None and shown not in values:
                    values.append(shown)
            continue
        changed, loaded = applied
        for warning in loaded.warnings:
            if f"warning: {warning}" not in plan.warnings:
                plan.warnings.append(f"warning: {_label(chosen)}: {warning}")
        params = tuple((setting.path, shown) for setting, shown, _ in chosen)
        for seed in seeds if seeds is not None else (loaded.scenario.seed,):
            plan.runs.append(Run(len(plan.runs), params, seed, changed, source, str(base_dir), until))
    if errors:  # one line per problem, naming the --set and every value of it that has the problem
        raise SweepError(
            [
                f"--set {who}={','.join(shown)}: {what}" if shown else f"{who}: {what}"
                for (who, what), shown in errors.items()
            ]
        )
    return plan


def _apply(
    document: dict[str, Any], chosen: Chosen, text: str, source: str, base_dir: Path
) -> tuple[str, LoadedScenario] | list[Blame]:
    """The scenario text with one combination applied and that text loaded, or what does not fit.

    A problem is blamed on the setting whose path contains it or lies inside it, else on the whole
    combination (e.g. renaming a party breaks the links naming it).
    """
    combined = _tree(document)
    for setting, shown, value in chosen:
        try:
            set_value(combined, setting.parts, value)
        except PathError as exc:
            return [(setting.path, shown, str(Problem(source, exc.where, exc.reason)))]
    changed = yaml.safe_dump(combined, sort_keys=False, allow_unicode=True, width=1000) if chosen else text
    try:
        return changed, parse_scenario(changed, source=source, base_dir=base_dir)
    except ScenarioError as exc:
        blamed: list[Blame] = []
        for problem in exc.problems:
            culprits = [(s.path, shown, str(problem)) for s, shown, _ in chosen if _related(s.path, problem.path)]
            blamed.append(culprits[0] if len(culprits) == 1 else (_label(chosen), None, str(problem)))
        return blamed


# --- running --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one run ended: ``status`` ok / expectations_failed / failed, its KPIs, and why not ok."""

    index: int
    status: str
    kpis: dict[str, float | int]
    error: str = ""
    wall_s: float = 0.0


def describe(exc: BaseException) -> str:
    """An exception in one line: its type, message and the innermost place it was raised."""
    message = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        text += f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})"
    return text


def run_one(run: Run) -> Outcome:
    """Load, run and measure one run; never raises (a failure is an outcome)."""
    started = perf_counter()
    try:
        loaded = parse_scenario(run.text, source=run.source, base_dir=Path(run.base_dir))
        simulation = Simulation(loaded, seed=run.seed)
        simulation.run(run.until)
        kpis = simulation.metrics.summary()
        results = simulation.metrics.evaluate(loaded.scenario.expect)
    except Exception as exc:
        return Outcome(run.index, FAILED, {}, describe(exc), perf_counter() - started)
    failed = [result.message for result in results if not result.passed]
    status = EXPECTATIONS_FAILED if failed else OK
    return Outcome(run.index, status, kpis, "; ".join(failed), perf_counter() - started)


def run_sweep(runs: Sequence[Run], jobs: int, on_done: Callable[[Run, Outcome], None] | None = None) -> list[Outcome]:
    """Every run (in a pool of ``jobs`` processes, or here when 1); the outcomes in ``runs`` order."""
    outcomes: dict[int, Outcome] = {}

    def done(run: Run, outcome: Outcome) -> None:
        outcomes[run.index] = outcome
        if on_done is not None:
            on_done(run, outcome)

    if jobs <= 1 or len(runs) <= 1:
        for run in runs:
            done(run, run_one(run))
    else:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(runs)))
        try:
            futures: dict[Future[Outcome], Run] = {pool.submit(run_one, run): run for run in runs}
            for future in as_completed(futures):
                run = futures[future]
                try:
                    outcome = future.result()
                except Exception as exc:  # the worker died (BrokenProcessPool) or its answer could not come back
                    outcome = Outcome(run.index, FAILED, {}, describe(exc))
                done(run, outcome)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return [outcomes[run.index] for run in runs]
