"""BenchSight: a hockey-analytics warehouse for recreational leagues."""

__version__ = "0.1.0"
