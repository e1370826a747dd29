from codepilot.cli import main

raise SystemExit(main())
