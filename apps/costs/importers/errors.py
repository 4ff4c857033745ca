from __future__ import annotations


class ImportRefused(Exception):
    """The whole file is refused (format, encoding, columns, foreign account): nothing is imported."""

    def __init__(self, code: str, message: str, *, column: str = "", value: str = ""):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.column = column
        self.value = value
