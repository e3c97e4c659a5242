"""Build script; the package's metadata lives in setup.cfg.

The rule stage's hottest modules (``COMPILED``) are compiled to C extensions with mypyc
when it is importable (``make`` installs it from requirements.lock): the same source,
several times faster. Without mypyc, or with ``CLAIMMINER_NO_COMPILE=1``, the package is
pure Python and behaves the same. mypyc's type checking is configured in setup.cfg ([mypy]).
"""
import os
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
COMPILED = ["claimminer/tokenbits.py", "claimminer/matchcore.py", "claimminer/bitmatch.py", "claimminer/match.py"]


def _remove_stale_extensions() -> None:
    """Delete compiled modules an earlier build left beside the sources: a C extension is
    imported in preference to its ``.py``, so a pure build must not leave any behind."""
    for path in (HERE / "claimminer").glob("*.so"):
        path.unlink()
    for path in (HERE / "claimminer").glob("*.pyd"):
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
    # One group: the modules call each other natively through one shared library,
    # kept inside the package (claimminer/_native__mypyc*.so).
    return mypycify(COMPILED, opt_level="3", group_name="claimminer._native")


setup(ext_modules=ext_modules())
