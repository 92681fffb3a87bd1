"""Entry points of the ``python -m nas_utils...`` scripts (records, checks, tuning, stages) and of ``hwnas``.

The project's rule for bad input: one line naming the bad value and the valid choices, exit status 2,
no traceback, nothing written. :class:`OneLineParser` does it for usage errors, :func:`script_cli` for
the :class:`~nas_utils.errors.HwnasError` a script's checks raise. Deliberately light (``argparse``
and the error classes only): every stage imports it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

from nas_utils.errors import HwnasError


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the bad value and the valid choices), status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def script_cli(main: Callable[[list[str] | None], int]) -> Callable[..., int]:
    """A script's ``main`` with bad input (:class:`~nas_utils.errors.HwnasError`) as one line on stderr and
    exit status 2, no traceback; with an :class:`OneLineParser`, a usage error is one line too."""
    def cli(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except HwnasError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    return cli
