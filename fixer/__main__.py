from fixer.cli import main

raise SystemExit(main())
