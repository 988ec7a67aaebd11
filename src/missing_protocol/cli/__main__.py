"""``python -m missing_protocol.cli``."""

from . import main

raise SystemExit(main())
