"""Industrial accidents: workplace risk, inspection targeting, the monitoring room, the data report.

The pieces, each in its own module: :mod:`~ilteo.safety.panel` (a synthetic workplace-year panel,
calibrated to the Korean statistics), :mod:`~ilteo.safety.table` (the establishment-year table in
the column layout of OSHA's 300A summaries, read with clear errors), :mod:`~ilteo.safety.features`
(features per workplace and year), :mod:`~ilteo.safety.model` (the calibrated risk model with
explanations), :mod:`~ilteo.safety.targeting` (choosing inspections by injuries averted),
:mod:`~ilteo.safety.evaluation` (the model against two baselines), :mod:`~ilteo.safety.lake`
(the same table from the lake and the one window).
"""
