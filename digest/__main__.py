"""`python -m digest` is the same as the `digest` command."""

import sys

from digest.cli import entry

sys.exit(entry())
