"""``python -m yzmedins``."""

import sys

from yzmedins.cli import main

sys.exit(main())
