"""Beside the model: the project's own linters and type checkers, run on the reviewed content
(`checks`)."""
