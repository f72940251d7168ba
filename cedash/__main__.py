"""`python -m cedash`: the command line."""

from cedash.cli import main

raise SystemExit(main())
