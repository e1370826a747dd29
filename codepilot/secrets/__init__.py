"""What never leaves the machine: credentials found by our rules, detect-secrets and Betterleaks are
replaced before any text is stored or sent (`redact`). Below every stage that handles text: the
change (file names), the index (stored signatures), the prompt and its templates."""
