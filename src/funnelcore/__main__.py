"""Run the ``funnelcore`` command: ``python -m funnelcore``."""

from funnelcore.cli import main

raise SystemExit(main())
