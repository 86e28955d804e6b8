"""Helpers for the Kennzahlen-Handbuch SGB II.

One module, one job:

- ``paths``       where things live (project root, mart, book sources)
- ``kennzahlen``  metadata of the 15 figures (names, goals, reading direction)
- ``io``          reading and validating the input tables (data contract)
- ``compute``     the formulas of kennzahlen.md for every level
- ``compare``     comparison measures (type median, quartiles, ranks, reading)
- ``demo``        the synthetic demo data generator
- ``mart``        the processed mart (Parquet + metadata), written atomically
- ``fmt``/``text`` German presentation: numbers, reasons, summaries
- ``charts``/``maps`` altair charts
- ``pages``       content builders called by the page notebooks
- ``pipeline``    the papermill page runner
- ``book``        table of contents and generated index pages
- ``explorer``    pure functions behind the JupyterLab explorer
- ``publish``     monthly run, dated editions, atomic publishing
- ``cli``         ``python -m helpers ...``
"""

__version__ = "0.1.0"
