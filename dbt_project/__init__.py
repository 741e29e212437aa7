"""The Python side of running dbt: command building, selection, progress parsing, artifacts.

dbt imports every top-level module whose name starts with `dbt_` while it looks for plugins,
so this file must stay free of imports and side effects.
"""
