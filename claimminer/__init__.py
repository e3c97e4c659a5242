"""claimminer: mine reported speech and commitments from news text, offline and reproducibly."""

__version__ = "0.1.0"


def compiled_modules() -> list[str]:
    """The package's modules that run as C extensions built by mypyc at install (see setup.py);
    empty for a pure-Python install. Outputs are the same either way."""
    import importlib

    names = ("tokenbits", "matchcore", "bitmatch", "match")
    return [name for name in names
            if importlib.import_module(f"claimminer.{name}").__file__.endswith((".so", ".pyd"))]
