"""claimminer: mine reported speech and commitments from news text, offline and reproducibly."""

__version__ = "0.1.0"

# The modules mypyc compiles at install (setup.py reads this list, the Makefile too):
# the tokenizer's, the rule stage's and the sentence-type features'. Outputs are the same either way.
COMPILED_MODULES = ("tokens", "tokenbits", "matchcore", "bitmatch", "match", "featcore")


def compiled_modules() -> list[str]:
    """The package's modules that run as C extensions built by mypyc at install (see setup.py);
    empty for a pure-Python install. Outputs are the same either way."""
    return [name for name in COMPILED_MODULES if module_origin(name).endswith((".so", ".pyd"))]


def module_origin(name: str) -> str:
    """The file the package's module ``name`` is loaded from: its C extension when compiled,
    else its ``.py`` (mypyc can set a wrong ``__file__`` on a module imported by another of its group)."""
    from importlib.machinery import PathFinder

    # Searched afresh (find_spec would return an imported module's spec, origin as wrong as __file__).
    spec = PathFinder.find_spec(f"claimminer.{name}", list(__path__))
    return spec.origin if spec is not None and spec.origin else ""
