"""codepilot: double-check and draft code with an LLM."""

__version__ = "0.1.0"
