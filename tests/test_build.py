"""The mypyc build (setup.py): compiled modules are never older than their source."""
from __future__ import annotations

from pathlib import Path

import pytest

from claimminer import compiled_modules, module_origin


@pytest.mark.parametrize("name", compiled_modules() or ["(none compiled)"])
def test_compiled_modules_are_built_from_the_current_source(name: str) -> None:
    """A C extension is imported before its .py: one older than its source would run old code
    (``make`` rebuilds them when a compiled source changes; so does ``pip install -e .``)."""
    if name == "(none compiled)":
        pytest.skip("pure-Python install")
    built = Path(module_origin(name))
    source = built.parent / f"{name}.py"
    assert source.stat().st_mtime <= built.stat().st_mtime, f"{built.name} is older than {source.name}: run make"
