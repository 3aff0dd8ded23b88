"""The reports' rollup: per-cell sufficient statistics kept in step with the responses.

Reports never read a response row: they read ``response_cell`` (answer-pattern counts per unit, month,
local day, status and definition) and ``counter_day_cell`` (per counter-day answered and satisfied counts),
which every write of a response changes in the same transaction (``survey.rollup.maintain``). See
``survey.rollup.cells`` for exactly what is stored and why it suffices.
"""
