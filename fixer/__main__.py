import sys

try:
    from fixer.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python imports akfix: nothing was read or written yet
    print("akfix: interrupted while starting; nothing was read or written", file=sys.stderr)
    sys.exit(130)

raise SystemExit(main())
