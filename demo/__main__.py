"""``python -m demo``: see :mod:`demo.run`."""

import sys

from .run import main

sys.exit(main())
