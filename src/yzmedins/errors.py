"""Errors about input data, each naming the field it concerns."""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be adjudicated: ``field`` is a path such as ``claims[2].total``."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def at(self, prefix: str) -> InputError:
        """The same error with its field placed under ``prefix``."""
        field = prefix if self.field is None else f"{prefix}.{self.field}"
        return type(self)(self.message, field)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message
