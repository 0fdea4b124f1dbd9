"""The layer contracts in pyproject.toml stay complete as the project grows."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path

import dynalab

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def _contract(name: str) -> dict:
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["name"] == name)


def test_every_module_but_sandboxes_is_kept_from_the_engine() -> None:
    """A new app (or module) under dynalab/ must be named in the contract, or it could import
    the engine unnoticed."""
    everything = {f"dynalab.{m.name}" for m in pkgutil.iter_modules(dynalab.__path__)}
    contract = _contract("Only dynalab.sandboxes imports the engine")
    assert set(contract["source_modules"]) == everything - {"dynalab.sandboxes"}


def test_every_app_is_independent_of_the_others() -> None:
    apps = {
        f"dynalab.{m.name}"
        for m in pkgutil.iter_modules(dynalab.__path__)
        if m.ispkg and (Path(dynalab.__path__[0]) / m.name / "apps.py").exists()
    }
    independent = set(_contract("The apps do not import each other")["modules"])
    above_sandboxes = set(
        _contract("dynalab.sandboxes imports none of the apps above it")["forbidden_modules"]
    )
    assert independent == above_sandboxes == apps - {"dynalab.sandboxes", "dynalab.theme"}


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in tests/support; a test module or conftest is never imported."""
    tests = Path(__file__).resolve().parent
    offenders = []
    for path in tests.rglob("*.py"):
        for line in path.read_text().splitlines():
            words = line.split()
            imported = words[1] if len(words) >= 2 and words[0] in ("from", "import") else ""
            if imported.startswith("tests.") and not imported.startswith("tests.support"):
                offenders.append(f"{path.relative_to(tests)}: {line.strip()}")
    assert offenders == []
