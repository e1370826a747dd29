"""codepilot: double-check and draft code with an LLM."""

__version__ = "0.2.0"  # the one place the version is written (pyproject reads it)
# The name on PyPI: `codepilot` there is another project's (see issue 23); the command and the
# import package stay `codepilot`. Every install line the tool prints or writes is built from this.
DISTRIBUTION = "codepilot-review"
INSTALL = f"{DISTRIBUTION}=={__version__}"
