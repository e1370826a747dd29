"""Stage 1, the change: git (`git`), the change source and its files (`diff`), skipped files and
every changed line in one change (`changes`), moved code (`moves`), globs, and what the repository
says (`instructions`, `dismissals`)."""
