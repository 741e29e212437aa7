"""BenchSight's models: trained in Python over the published marts, scored in SQL.

`registry` owns every write to schema `ml` (model versions, coefficients, attempts, view
refreshes); `data` reads the training frames from the marts; one module per model (`xg`) fits and
evaluates; `train` runs them (`benchsight ml train`, the worker's ML step). The materialized views
in `models/ml/` turn the active coefficients into predictions, so a new game is scored by the next
build or refresh without retraining.
"""
