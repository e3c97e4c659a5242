"""Build script; the package's metadata lives in setup.cfg.

The hottest modules (``claimminer.COMPILED_MODULES``: the rule stage's, and the
sentence-type features') are compiled to C extensions with mypyc when it is importable (``make`` installs it from requirements.lock): the same source,
several times faster. Without mypyc, or with ``CLAIMMINER_NO_COMPILE=1``, the package is
pure Python and behaves the same. mypyc's type checking is configured in setup.cfg ([mypy]).
"""
import ast
import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def _compiled_modules() -> tuple[str, ...]:
    """``claimminer.COMPILED_MODULES``, read from the package source (nothing is imported at build time)."""
    tree = ast.parse((HERE / "claimminer" / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "COMPILED_MODULES" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise RuntimeError("claimminer/__init__.py defines no COMPILED_MODULES")


COMPILED = [f"claimminer/{name}.py" for name in _compiled_modules()]


def _remove_stale_extensions(keep: set[str] = frozenset()) -> None:
    """Delete compiled modules an earlier build left beside the sources, except those in ``keep``
    (module names, the shared library's included): a C extension is imported in preference to
    its ``.py``, so one left from a build that compiled more would shadow the source."""
    for path in (HERE / "claimminer").iterdir():
        if path.suffix in (".so", ".pyd") and path.name.split(".")[0] not in keep:
            path.unlink()


def ext_modules() -> list:
    """The mypyc extensions, or none (pure Python) when mypyc is absent or not wanted."""
    if os.environ.get("CLAIMMINER_NO_COMPILE", "") not in ("", "0"):
        _remove_stale_extensions()
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        _remove_stale_extensions()
        return []
    _remove_stale_extensions({Path(name).stem for name in COMPILED} | {"_native__mypyc"})
    # One group: the modules call each other natively through one shared library,
    # kept inside the package (claimminer/_native__mypyc*.so).
    return mypycify(COMPILED, opt_level="3", group_name="claimminer._native")


setup(ext_modules=ext_modules())
