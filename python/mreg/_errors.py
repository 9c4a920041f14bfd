"""Errors of mreg: one exception type carrying MLflow's error code and the CLI's exit code."""

from __future__ import annotations

# The exit code `mreg` gives for each error code (docs: README, "Exit codes").
EXIT_CODES = {
    "INTERNAL_ERROR": 1,
    "BAD_REQUEST": 2,
    "INVALID_PARAMETER_VALUE": 3,
    "RESOURCE_DOES_NOT_EXIST": 4,
    "RESOURCE_ALREADY_EXISTS": 5,
    "RESOURCE_CONFLICT": 6,
    "PERMISSION_DENIED": 7,
    "INVALID_STATE": 8,
}


class MregError(Exception):
    """A failed read or write of a registry.

    Attributes:
        error_code: MLflow's name of the error, e.g. ``"RESOURCE_DOES_NOT_EXIST"``.
        exit_code: the exit code the ``mreg`` command gives for the same failure.
        message: what went wrong, naming the model, version, file or argument.
    """

    def __init__(self, error_code: str, message: str):
        super().__init__(message)
        self.error_code = error_code
        self.exit_code = EXIT_CODES.get(error_code, 1)
        self.message = message

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


def from_core(error_code: str, message: str) -> MregError:
    """The exception for an error of the C++ core (called by the extension)."""
    return MregError(error_code, message)
