from codepilot.cli import entry

entry()
