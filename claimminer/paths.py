"""Where things live: the rules folder and the shared evaluation data, each overridable by environment."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_GOLD_NAME = "paris-coalition-summit.gold.json"


def default_rules_dir() -> Path:
    """``$CLAIMMINER_RULES``, else the project's ``rules/`` beside the package."""
    env = os.environ.get("CLAIMMINER_RULES")
    return Path(env) if env else REPO_ROOT / "rules"


def shared_dir() -> Path:
    """``$CLAIMMINER_SHARED``, else ``../shared`` beside the repository."""
    env = os.environ.get("CLAIMMINER_SHARED")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def shared_data_dir() -> Path:
    """``$CLAIMMINER_SHARED_DATA``, else ``data`` in the shared folder."""
    env = os.environ.get("CLAIMMINER_SHARED_DATA")
    return Path(env) if env else shared_dir() / "data"


def seeds_dir() -> Path:
    """``$CLAIMMINER_SEEDS``, else ``seeds`` in the shared folder (the seed article and its gold)."""
    env = os.environ.get("CLAIMMINER_SEEDS")
    return Path(env) if env else shared_dir() / "seeds"


def seed_gold() -> Path:
    return seeds_dir() / SEED_GOLD_NAME
