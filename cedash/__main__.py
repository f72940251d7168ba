"""`python -m cedash`: the command line."""

from .cli import main

raise SystemExit(main())
