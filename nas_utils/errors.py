"""Named, one-line errors for everything a user can get wrong.

Every error raised for bad input derives from :class:`HwnasError`, so the CLI and the
pipeline stages can print ``error: <message>`` and exit non-zero instead of a traceback.

>>> from nas_utils.errors import UnknownNameError
>>> raise UnknownNameError("device", "gpu9", ["gold_6226", "pixel2"])
Traceback (most recent call last):
...
nas_utils.errors.UnknownNameError: unknown device 'gpu9'; valid choices: gold_6226, pixel2
"""

from __future__ import annotations

from collections.abc import Iterable


class HwnasError(ValueError):
    """Base class of all user-facing errors; its message is a single line."""


class UnknownNameError(HwnasError, KeyError):
    """A name (device, tactic, dataset, space, ...) that no registry knows."""

    def __init__(self, kind: str, name: object, valid: Iterable[object]) -> None:
        self.kind, self.name, self.valid = kind, name, sorted(map(str, valid))
        super().__init__(f"unknown {kind} {name!r}; valid choices: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class InvalidArchitectureError(HwnasError):
    """An architecture (string, vector or dict) that is not a member of its search space."""


class ConfigError(HwnasError):
    """A parameter in params.yaml (or passed to a stage) that is unknown, mistyped or out of range."""


class DataError(HwnasError):
    """A raw or processed data file that is missing, truncated or inconsistent."""


class CheckpointError(HwnasError):
    """A checkpoint file that is corrupt or does not match the model it is loaded into."""
