"""claimminer: mine reported speech and commitments from news text, offline and reproducibly."""

__version__ = "0.1.0"
