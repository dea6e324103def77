"""``python -m spheredemo.slides``: write the offline deck (see :mod:`spheredemo.slides`)."""

from spheredemo.slides import main

raise SystemExit(main())
