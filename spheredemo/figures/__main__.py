"""``python -m spheredemo.figures``: regenerate the figures (``--help`` for options)."""

from spheredemo.figures.output import main

raise SystemExit(main())
