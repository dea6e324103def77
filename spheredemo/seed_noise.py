"""The one seed-noise rule and the words it decides: a number over its recorded seeds (:class:`SeedSpread`),
read from the manifest (:func:`seed_spread`), and the small text helpers every generated results sentence shares.

A difference is called a trend only where two means differ by more than their two seed standard deviations
together (:meth:`SeedSpread.beyond_noise`); :func:`verdict` is that rule in words. :mod:`spheredemo.results`
(the MNIST and face tables and claims) and :mod:`spheredemo.validation_report` (what validation chose, the margin
map) both write their sentences with these, so the rule is written once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spheredemo import pretrained
from spheredemo.imageset import DataError

__all__ = ["SeedSpread", "seed_spread", "face_seed_stats", "verdict", "value_range", "join_names", "wrap"]


@dataclass(frozen=True)
class SeedSpread:
    """One number of a recipe over its recorded seeds: mean, sample std (ddof=1; 0 for one seed) and count."""

    mean: float
    std: float
    n: int

    def __format__(self, spec: str) -> str:
        return f"{self.mean:{spec}} ± {self.std:{spec}} (n={self.n})"

    def beyond_noise(self, other: SeedSpread) -> bool:
        """Whether the two means differ by more than the two seed spreads together (|Δmean| > std + std'):
        the rule the README and the tests use before they call a difference a trend."""
        return abs(self.mean - other.mean) > self.std + other.std

    @classmethod
    def of(cls, values) -> SeedSpread:
        values = np.asarray(values, dtype=float)
        return cls(float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0, len(values))


def seed_spread(checkpoints, name: str, key: str, scale: float = 1.0) -> SeedSpread:
    """:class:`SeedSpread` of the manifest number ``key`` (times ``scale``) over the seeds recorded for ``name``
    in the manifest of the folder ``checkpoints`` (or of a figures Context's)."""
    checkpoints = getattr(checkpoints, "checkpoints", checkpoints)
    entry = pretrained.manifest(checkpoints).get(name)
    if entry is None:
        raise DataError(f"{name} is not in the manifest of {checkpoints}; train it with "
                        f"python -m spheredemo.retrain --only {name}")
    seeds = entry.get("seeds")
    if not seeds:
        raise DataError(f"{name} has no per-seed numbers in the manifest of {checkpoints}; record them with "
                        f"python -m spheredemo.retrain --add-seeds --only {name}")
    return SeedSpread.of([scale * seeds[s][key] for s in sorted(seeds, key=int)])


def face_seed_stats(checkpoints, name: str) -> dict:
    """Mean and std (ddof=1) over the recorded seeds of LFW accuracy (%) and unseen-identity AFS."""
    accuracy = seed_spread(checkpoints, name, "lfw_accuracy", 100.0)
    afs = seed_spread(checkpoints, name, "afs_unseen")
    seeds = pretrained.manifest(getattr(checkpoints, "checkpoints", checkpoints))[name]["seeds"]
    return {"n_seeds": accuracy.n, "acc_mean": accuracy.mean, "acc_std": accuracy.std,
            "afs_mean": afs.mean, "afs_std": afs.std, "seeds": sorted(seeds, key=int)}


# --- the words of a generated sentence -------------------------------------------------------------

def verdict(a: SeedSpread, b: SeedSpread) -> str:
    """The noise rule in words: "beyond the seed noise" or "inside the seed noise"."""
    return "beyond the seed noise" if a.beyond_noise(b) else "inside the seed noise"


def value_range(values, digits: int) -> str:
    """"low–high" of ``values`` at ``digits`` decimals; one number where both round alike."""
    low, high = min(values), max(values)
    return f"{low:.{digits}f}" if f"{low:.{digits}f}" == f"{high:.{digits}f}" else f"{low:.{digits}f}–{high:.{digits}f}"


def join_names(items) -> str:
    """"a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def wrap(text: str, width: int, indent: str) -> str:
    """``text`` wrapped at ``width`` columns (never at a hyphen), every line after the first led by ``indent``."""
    import textwrap

    return ("\n" + indent).join(textwrap.wrap(text, width=width, break_on_hyphens=False))
