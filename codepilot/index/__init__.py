"""Stage 3, the repository index (`repo_index`: definitions, references, imports per blob) and the
related code of each change (`related`)."""
