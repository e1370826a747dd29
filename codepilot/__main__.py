from codepilot.cli.main import entry

entry()
