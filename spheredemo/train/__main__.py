"""``python -m spheredemo.train`` (and ``torchrun -m spheredemo.train``): the command lives in spheredemo.cli,
which imports the training library; the library never imports the command."""

from spheredemo.cli import train_main

raise SystemExit(train_main())
