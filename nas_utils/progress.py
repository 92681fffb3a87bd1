"""Progress you can see: bars on the terminal of ``dvc repro``, never in the executed notebook.

Under :mod:`nas_utils.stage` the notebook's kernel writes its bars to the file named by
``HWNAS_PROGRESS_FILE``, which the stage process streams to its own stderr (the terminal of
``dvc repro``); the executed notebook keeps no progress output. Elsewhere (JupyterLab, the
command line, tests) a bar goes where ``tqdm.auto`` puts it.

Two entry points:

- :func:`bar`: a tqdm bar over runs ("search runs 37/180, ETA 4:10");
- :func:`search_reporter`: the callback a search loop calls after each evaluation with the
  evaluations done and the current normalised hypervolume.

>>> from nas_utils.progress import bar, search_reporter
>>> [x for x in bar(range(3), desc="demo", disable=True)]
[0, 1, 2]
>>> report = search_reporter("linas seed 0", budget=2, disable=True)
>>> report(1, 0.5); report(2, 0.75)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

FILE_ENV = "HWNAS_PROGRESS_FILE"

#: ``report(evaluations_done, normalised_hv)``, called by a search loop after each evaluation.
SearchCallback = Callable[[int, float], None]


def bar(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str | None = None,
        disable: bool = False, **kwargs: Any) -> Any:
    """A tqdm bar: to the stage's progress stream when one is set, else ``tqdm.auto``."""
    path = os.environ.get(FILE_ENV)
    if not path or disable:
        from tqdm.auto import tqdm as auto

        return auto(iterable, total=total, desc=desc, disable=disable, **kwargs)
    from tqdm import tqdm

    stream = open(path, "a", buffering=1)  # noqa: SIM115 - closed with the bar
    bar_ = tqdm(iterable, total=total, desc=desc, disable=disable, file=stream, ascii=True, ncols=100,
                mininterval=2.0, **kwargs)
    close = bar_.close

    def close_stream() -> None:
        close()
        stream.close()

    bar_.close = close_stream
    return bar_


def search_reporter(desc: str, budget: int, disable: bool = False) -> SearchCallback:
    """A :data:`SearchCallback` showing ``evaluations/budget`` and the current HV on one bar."""
    b = bar(total=budget, desc=desc, disable=disable, leave=False)

    def report(evaluations: int, hv: float) -> None:
        b.update(evaluations - b.n)
        finished = evaluations >= budget
        b.set_postfix_str(f"HV {hv:.4f}", refresh=finished)  # the final state is always shown
        if finished:
            b.close()

    return report
