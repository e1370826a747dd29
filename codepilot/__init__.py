"""codepilot: double-check and draft code with an LLM."""

__version__ = "0.2.0"  # the one place the version is written (pyproject reads it)
