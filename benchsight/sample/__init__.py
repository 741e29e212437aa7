"""Sample league generator: tracker exports that look and misbehave like real ones, plus the truth.

`generate()` writes a league workbook, one tracker export per tracked game and `truth.json`
(the right answers, including every injected flaw). `ensure_default_sample()` is what
`make run` uses: one season, generated once.
"""

from benchsight.sample.generate import DEFAULT_SAMPLE, ensure_default_sample, generate

__all__ = ["DEFAULT_SAMPLE", "ensure_default_sample", "generate"]
