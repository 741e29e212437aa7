"""The benchmark report (docs/benchmarks.md): each benchmark that reports owns one section of it,
between two markers, and rewrites only that section."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, key: str, text: str) -> None:
    """Replace the section `key` of the report at `path` with `text` (appended when absent)."""
    begin = f"<!-- section {key}: written by benchmarks/bench_{key}.py -->"
    end = f"<!-- end of section {key} -->"
    old = path.read_text() if path.exists() else ""
    block = f"{begin}\n{text.strip()}\n{end}"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + block + rest.split(end, 1)[1]
    else:
        new = (old.rstrip() + "\n\n" if old.strip() else "") + block + "\n"
    path.write_text(new)
