"""Loaders: the only way data enters the `raw` schema.

Pure parsers (`tracker_json`, `tracker_xlsx`, `workbook`) turn files into typed rows and
warnings; `store` writes them in one transaction per game or workbook with COPY; `tracking` and
`workbook_load` choose and load files; `cli` adds `benchsight load ...`.
"""
