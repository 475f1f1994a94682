"""`python -m dyad` is the `dyad` command."""

import sys

from dyad.cli import main

sys.exit(main())
