"""Shim so that old tooling (`python setup.py ...`) still works; metadata lives in setup.cfg."""
from setuptools import setup

setup()
