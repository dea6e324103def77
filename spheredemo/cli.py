"""``python -m spheredemo.train``: argparse over :class:`~spheredemo.config.TrainConfig`.

Each flag's help text is the comment that documents its field in ``config.py``, so the two
never disagree. Under torchrun the same command trains with DDP (``docs/paper_scale.md``): every
process runs it, rank 0 alone prints, writes the checkpoint and verifies.

The command lives here, above the library it drives (:mod:`spheredemo.train`, and :mod:`spheredemo.lfw`
for a face model's verification); ``spheredemo/train/__main__.py``, the entry script, only hands over to
:func:`train_main`, so no library module imports this one.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
import typing
import warnings

from spheredemo.config import TrainConfig

_FIELD_LINE = re.compile(r"^\s+(\w+):[^=]+=.*?#\s*(.+)$")


def field_help() -> dict[str, str]:
    """Map each TrainConfig field to the comment beside it in the source."""
    helps = {}
    try:
        source = inspect.getsource(TrainConfig)
    except OSError:  # installed without sources: flags keep their names and defaults
        return helps
    for line in source.splitlines():
        match = _FIELD_LINE.match(line)
        if match:
            helps[match.group(1)] = match.group(2).strip()
    return helps


def _parse_optional_int(text: str):
    if text.lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or none, got {text!r}") from None


def _parse_number(text: str):
    """A margin or scale: a number (kept an int when whole, as A-Softmax's m must be) or none."""
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or none, got {text!r}") from None
    return int(value) if value.is_integer() else value


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m spheredemo.train``: one flag per TrainConfig field (its comment is the help,
    ``--margin`` also spells ``--m``), then ``--out``, ``--data``, ``--resume`` and ``--no-progress``."""
    parser = argparse.ArgumentParser(
        prog="python -m spheredemo.train",
        description="Train a CNN with an embedding and a softmax-family head (A-Softmax by default) on MNIST "
        "or on faces (LFW's open-set split, or any identity-per-folder tree), with a progress bar, and save a "
        "checkpoint. Face models are then verified on the unseen people of LFW's pairs. Started by torchrun "
        "(torchrun --nproc-per-node N -m spheredemo.train ...) it trains with DDP: --batch-size images per process.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    helps = field_help()
    hints = typing.get_type_hints(TrainConfig)
    parsers = {"m": _parse_number, "s": _parse_number, "max_steps": _parse_optional_int,
               "per_class": _parse_optional_int, "max_identities": _parse_optional_int, "lambda_reach": _parse_number,
               "init_from": str}
    for f in dataclasses.fields(TrainConfig):
        if f.name == "extra":
            continue
        flag = "--" + f.name.replace("_", "-")
        kind = hints[f.name]
        kwargs = {"default": f.default, "help": helps.get(f.name, ""), "dest": f.name}
        if f.name in parsers:
            kwargs["type"] = parsers[f.name]
        elif kind is bool:
            kwargs.update(type=_bool, metavar="{true,false}")
        else:
            kwargs["type"] = kind
        # "--margin" is the same flag as "--m": torchrun's own parser takes "--m" for an abbreviation of its options
        flags = (flag, "--margin") if f.name == "m" else (flag,)
        parser.add_argument(*flags, **kwargs)
    parser.add_argument("--out", default="runs/{dataset}-d{dim}-{tag}.pt",
                        help="checkpoint path; {tag} (loss and m, e.g. asoftmax-m4), {loss}, {m}, {dim}, "
                        "{dataset} and {seed} are filled in")
    parser.add_argument("--data", default=None,
                        help="mnist: folder with the four .gz files (default: $SPHEREDEMO_DATA, the user cache, "
                        "download); lfw: your LFW copy (default $SPHEREDEMO_DATA/faces/lfw); faces: the image tree")
    parser.add_argument("--resume", action="store_true", help="continue from --out if it exists")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def train_main(argv=None) -> int:
    """``python -m spheredemo.train``: parse ``argv`` (default: the command line), train, report; the exit status.

    Prints the test accuracy (MNIST), the steps, the time and the checkpoint's path, then the final λ and
    the margin it leaves (A-Softmax), and for an LFW model its verification on the unseen people's pairs.
    Bad flags exit with status 2 (argparse's message); a run that diverges or cannot find its data prints
    ``error: ...`` and returns 1. Under torchrun every rank runs it and rank 0 alone reports.
    """
    from spheredemo import distributed
    from spheredemo.data import DataError
    from spheredemo.train import TrainingDiverged, fit

    parser = build_parser()
    args = vars(parser.parse_args(argv))
    out, data, resume, no_progress = (args.pop(k) for k in ("out", "data", "resume", "no_progress"))
    try:
        config = TrainConfig(**args)
    except ValueError as exc:
        parser.error(str(exc))
    path = _checkpoint_path(out, config)
    try:
        with distributed.session(config.device):  # joins torchrun's process group when launched by it
            _report_processes(config)
            run = fit(config, checkpoint=path, resume=resume, data_root=data, progress=not no_progress)
            main = distributed.is_main()
    except (TrainingDiverged, DataError, ValueError, FileNotFoundError, distributed.RankFailed) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    if not main:  # the other ranks of a DDP run: rank 0 reports
        return 0
    _report_run(run, path)
    _report_margin(run)
    if config.dataset == "lfw":
        try:
            _report_lfw(run, data, progress=not no_progress)
        except (DataError, ValueError, FileNotFoundError, OSError) as exc:
            # The model is trained and saved: say so, so that a long run is not taken for lost.
            print(f"error: the LFW verification failed: {exc}\nthe trained model is kept at {path}; verify it "
                  f"again with python -m spheredemo.verify --checkpoint {path} --lfw LFW_DIR", file=sys.stderr)
            return 1
    return 0


def _checkpoint_path(out: str, config: TrainConfig) -> str:
    """``--out`` with its {tag} (loss and m, e.g. asoftmax-m4), {loss}, {m}, {dim}, {dataset} and {seed} filled in."""
    tag = config.loss + (f"-m{config.m}" if config.m is not None else "")
    return out.format(tag=tag, loss=config.loss, m=config.m, dim=config.dim, dataset=config.dataset,
                      seed=config.seed)


def _report_run(run, path) -> None:
    """The last test accuracy (or why there is none), the steps, the time and the checkpoint's path."""
    test_acc = run.history.epoch_test_accuracy
    summary = f"test accuracy {test_acc[-1]:.4f}" if test_acc else (
        "no full epoch finished" if not run.config.is_faces else "trained")
    print(f"{summary}; {run.step} steps in {run.seconds:.1f} s; checkpoint: {path}")


def _report_lfw(run, data, progress: bool) -> None:
    """Verify a face model on the pairs it is judged on (:func:`spheredemo.lfw.evaluate`: LFW's unseen people,
    or for a ``holdout="validation"`` model the validation people, never the reported folds); the loader's
    warnings become notes."""
    from spheredemo.lfw import evaluate

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = evaluate(run, root=data, progress=progress)
    for warning in caught:
        print(f"note: {warning.message}", file=sys.stderr)
    what = "validation people" if run.config.holdout == "validation" else "unseen people"
    print(f"LFW verification of {what}: {result.summary()}")


def _report_processes(config: TrainConfig) -> None:
    """Under torchrun, rank 0 says how the global batch is made (and the schedules follow its steps)."""
    from spheredemo import distributed

    if not distributed.is_active() or not distributed.is_main():
        return
    world = distributed.world_size()
    backend = "NCCL" if distributed.device(config.device).type == "cuda" else "gloo"
    print(f"DDP: {world} process{'es' if world > 1 else ''} ({backend}); global batch {config.batch_size * world} = "
          f"{config.batch_size} per process × {world}; λ and the learning rate follow the global step", flush=True)


#: warn when the margin trained at the end is below this fraction of the nominal m
WEAK_MARGIN = 0.75


def _report_margin(run) -> None:
    """Print the final λ and the margin it leaves (margins.effective_margin); warn when it is far below m."""
    from spheredemo.train import final_margin

    final = final_margin(run)
    if final is None:
        return
    lam, m, m_eff = final[0], run.config.m, final[1].m_eff
    print(f"final λ = {lam:.3g}: A-Softmax m = {m} trains like m_eff = {m_eff:.2f} (binary margin at θ12 = 90°)")
    if m > 1 and m_eff < WEAK_MARGIN * m:
        print(f"warning: λ ended at {lam:.3g}, so the margin trained is m_eff = {m_eff:.2f}, far below m = {m}; "
              f"train longer or anneal faster (--lambda-gamma, --lambda-min)", file=sys.stderr)
