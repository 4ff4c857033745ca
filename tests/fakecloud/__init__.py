"""Fake cloud provider servers speaking the providers' documented HTTP APIs, for tests and demos.

Run: ``python -m tests.fakecloud --port 8765`` (from the project root). See ``beget.py``.
"""

from .server import FakeCloudServer, Fault

__all__ = ["FakeCloudServer", "Fault"]
