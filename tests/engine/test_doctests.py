"""The engine's doctests run with the suite, so the examples in its docstrings stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import engine


def _engine_modules() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.walk_packages(engine.__path__, prefix="engine.")
        if not module.ispkg or module.name.count(".") >= 1
    )


MODULES = _engine_modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_the_examples_are_found() -> None:
    """Guard against a walk that finds nothing (every module would trivially pass)."""
    attempted = sum(
        doctest.testmod(importlib.import_module(name), verbose=False).attempted for name in MODULES
    )
    assert "engine.core" in MODULES and "engine.expressions.parser" in MODULES
    assert attempted >= 10
