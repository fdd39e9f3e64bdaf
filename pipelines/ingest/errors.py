"""The one error a reader raises for a file it cannot read as a whole."""

from __future__ import annotations


class FileRejected(Exception):
    """The whole file cannot be read; the message names what is wrong, for a person."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code
