"""What every stage stands on: the configuration and what a repository may decide of it (`config`,
`trust`), the error types, how SQLite files are opened (`store`), and the one place that forks
(`parallel`)."""
