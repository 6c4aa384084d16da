"""Rules of the code base that a change could silently break."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


QT = ("PySide6", "shiboken6")


def _modules_loaded_by(statements: str, packages: tuple[str, ...]) -> list[str]:
    """The modules of ``packages`` a fresh interpreter has loaded after running ``statements``."""
    listing = f"','.join(sorted(m for m in sys.modules if m.split('.')[0] in {packages!r}))"
    probe = f"import sys; {statements}; print({listing})"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    return [name for name in result.stdout.strip().split(",") if name]


def test_importing_sim_and_its_cli_never_loads_qt() -> None:
    imports = "import sim, sim.cli, sim.ocpi.validation, sim.ocpi.v211, sim.ocpi.v221"
    assert _modules_loaded_by(imports, (*QT, "app")) == []


def test_sim_sources_do_not_mention_qt_or_the_gui_package() -> None:
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "sim").rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith(("import ", "from ")) and ("PySide6" in line or line.split()[1].startswith("app"))
    ]
    assert offenders == []


def test_python_m_sim_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sim", "--version"], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.startswith("roamsim ")


def test_the_installed_cli_runs_from_outside_the_repository(tmp_path: Path) -> None:
    # Catches packaging gaps: every subpackage must be importable without the repository on sys.path.
    result = subprocess.run(
        [sys.executable, "-m", "sim", "demo", "--quiet"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].endswith("conformance: 0 violations")


def test_the_gui_verb_is_offered_without_loading_qt() -> None:
    # ``roamsim gui`` comes from the app package through the ``roamsim.verbs`` entry point; only
    # running it may load Qt, so every headless verb starts as fast as before.
    listed = "import sim.cli; assert 'gui' in sim.cli.build_parser().format_help()"
    assert _modules_loaded_by(listed, QT) == []
