"""The generated report's sections, one module per section of the page, each rendering one stage's
typed summary (:mod:`nas_utils.results`) as Markdown: :mod:`.search` (section 1), :mod:`.predictors` (2),
:mod:`.sparsenas` (3), :mod:`.latency` (4), :mod:`.search_supernet` (5); :mod:`.devices` renders the
device-code glossary above them and :mod:`.common` holds what they share. :mod:`nas_utils.report`
assembles the page.

Notebooks print some of the same helpers (e.g. :func:`nas_utils.sections.latency.latency_quality_lines`),
so a notebook and the report can never word a verdict differently. This package imports none of its
modules: a stage that imports one section depends (dvc.yaml ``deps``) on that section and
:mod:`.common` only.
"""
