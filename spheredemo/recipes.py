"""The recipes of the shipped checkpoints: plain data, one TrainConfig's keyword arguments per checkpoint name.

:mod:`spheredemo.pretrained` reads the checkpoints they made; :mod:`spheredemo.retrain` (``python -m
spheredemo.retrain``) trains them.
"""

from __future__ import annotations

from spheredemo.keys import SWEEP, ModelKey

__all__ = ["RECIPES", "SEEDS", "SEEDED", "FACE_LAMBDA_SCHEDULE", "FACE_SCALE_MARGIN", "FACE_3D_IDENTITIES",
           "FACE_2D_IDENTITIES", "FACE_RECIPE", "FACE_LOSSES"]

#: Shared by every recipe: the m sweep differs only in loss and m, so the figures compare like with like.
_BASE = dict(dataset="mnist", epochs=10, batch_size=256, optimizer="adam", lr=3e-3, lr_schedule="cosine",
             weight_decay=5e-4, lambda_gamma=0.5, lambda_min=0.0, width=16, augment_shift=2, seed=0)


#: Faces (LFW's open-set split, 104 identities): SphereFace-4 (Table 2's 4-conv net, the one of the paper's Table 6)
#: at 64×64, width 16, BatchNorm; SGD with momentum (lr 0.05, cosine decay), batch 64, 100 epochs (4,900 steps);
#: L2 1e-2, twenty times the paper's 5e-4. On 3,103 images the weight decay, the longer run and the smaller batch
#: each lift verification of unseen people (light changes and erased rectangles do not;
#: benchmarks/bench_face_recipe.py, README, Faces: all chosen on folds 1–3 before the validation people existed;
#: weight decay and length re-checked on validation since); random flips as in the paper, and random zooms
#: (up to 15 % of the side), moves (4 %) and turns (5°). The base λ schedule, to the official floor λ_min = 5 by
#: step 200, is what the 3D models and m = 1 keep; the 512-d m ≥ 2 models take FACE_LAMBDA_SCHEDULE's
_FACE_BASE = dict(dataset="lfw", model="sphereface4", width=16, image_size=64, face_crop=0.48, epochs=100,
                  batch_size=64, optimizer="sgd", lr=0.05, lr_schedule="cosine", weight_decay=1e-2,
                  lambda_gamma=1.0, lambda_min=5.0, augment_flip=True, augment_zoom=0.15, augment_translate=0.04,
                  augment_rotate_deg=5.0, seed=0)
#: The λ schedule of each 512-d A-Softmax face model with m ≥ 2, chosen on validation (the margin map,
#: ``python -m spheredemo.face_map``: 84 identities trained, 20 unseen validation people judged, seed 0): the λ_min of
#: {0, 1, 2, 5} with the best validation accuracy, reached at 40 % of the run. m = 2: 86.50/90.00/88.42/88.17 %,
#: m = 3: 71.50/88.17/88.92/89.67 %, m = 4: 64.00/83.83/89.50/87.92 %. m = 1 needs none (ψ = cos θ whatever λ).
FACE_LAMBDA_SCHEDULE = {2: dict(lambda_min=1.0, lambda_reach=0.4), 3: dict(lambda_min=5.0, lambda_reach=0.4),
                        4: dict(lambda_min=2.0, lambda_reach=0.4)}
#: CosFace's and ArcFace's (s, m), chosen on validation the same way over s ∈ {6.55 (AdaCos), 16, 30} × CosFace m ∈
#: {0.1, 0.2, 0.35} and ArcFace m ∈ {0.1, 0.2, 0.3, 0.5} (``face_map.chosen_cells``): both best cells are the package
#: defaults, s = 30 with CosFace m = 0.35 (85.33 %) and ArcFace m = 0.5 rad (86.92 %; m = 0.2 tied it on seed 0
#: but failed to train on seed 1, 57.83 %), which the recipes keep by leaving s and m unset
FACE_SCALE_MARGIN: dict[str, dict] = {}
#: the 3D face models see the 6 largest training identities (Fig. 5: "the 6 largest identities"), less a fifth of each
#: one's images, held out to build Fig. 5's positive and negative pairs from images never trained on
FACE_3D_IDENTITIES = 6
FACE_3D_HELD_OUT = 0.2
#: the 2D face models (Fig. 2 on faces) see the 2 largest training identities (the paper: "two classes shown")
FACE_2D_IDENTITIES = 2
#: seeds of every swept recipe (the MNIST m sweeps and the faces): seed 0 ships, every seed's numbers (MNIST test
#: accuracy and angles, LFW verification of unseen people) are recorded in the manifest under ``seeds``
SEEDS = (0, 1, 2)


#: the losses of the shipped 512-d face models, in the order every table and control lists them
FACE_LOSSES = (*SWEEP, "cosface", "arcface")


def _recipes() -> dict[str, dict]:
    recipes = {}

    def add(key: ModelKey, base: dict, **values) -> None:
        recipes[key.name] = dict(base, **dict(dict(dim=key.dim, loss=key.loss, m=key.m), **values))

    for dim in (2, 3):
        for loss_name in SWEEP:
            add(ModelKey("mnist", dim).with_loss(loss_name), _BASE)
    # Appendix figures (2D), each the sweep's recipe but for the one thing its figure compares. Fig. 8: a ReLU
    # after the embedding against none, both with a 500-step lr warm-up (Adam's first full-size steps kill a
    # ReLU unit for every image; models.py and train.build start the ReLU model alive). Fig. 11: no biases.
    # Fig. 9: a long-tailed training set, trained for as many steps as the sweep (32 epochs of its 73 batches).
    add(ModelKey("mnist", 2, "modified", variant="relu"), _BASE, last_relu=True, warmup_steps=500)
    add(ModelKey("mnist", 2, "modified", variant="warmup"), _BASE, warmup_steps=500)
    add(ModelKey("mnist", 2, "softmax", variant="nobias"), _BASE, head_bias=False, embedding_bias=False)
    add(ModelKey("mnist", 2, "softmax", variant="imbalanced"), _BASE, imbalance=0.05, epochs=32)
    for loss_name in FACE_LOSSES:
        key = ModelKey("lfw", 512).with_loss(loss_name)
        add(key, _FACE_BASE, **FACE_LAMBDA_SCHEDULE.get(key.m if key.loss == "asoftmax" else None, {}),
            **FACE_SCALE_MARGIN.get(key.loss, {}))
    for m in (1, 2, 3, 4):
        add(ModelKey("lfw", 3, "asoftmax", m), _FACE_BASE, max_identities=FACE_3D_IDENTITIES,
            holdout_images=FACE_3D_HELD_OUT)
    # Fig. 2 on faces: FC1 of dimension 2 on the two largest training identities, as the paper drew its CASIA
    # subset, with the base face schedule's λ (λ_min 5 by step 200; annealed to λ = 0 by 40 % of the run
    # instead, m = 4 collapsed both identities onto one direction at a feature norm near 0.2)
    for loss_name in ("softmax", "modified", "asoftmax-m4"):
        add(ModelKey("lfw", 2).with_loss(loss_name), _FACE_BASE, max_identities=FACE_2D_IDENTITIES)
    return recipes


#: name -> TrainConfig keyword arguments; ``python -m spheredemo.retrain`` trains them all.
RECIPES = _recipes()
#: the recipes trained with every seed of ``SEEDS``: the MNIST m sweeps (2D and 3D) and every face recipe; the
#: appendix models (relu, warmup, nobias, imbalanced) and the 2D face models of Fig. 2 on faces train their one seed
SEEDED = frozenset(name for name in RECIPES if ModelKey.parse(name).variant is None
                   and not name.startswith("lfw-d2-"))
#: the shipped face recipe (the 512-d A-Softmax m = 4 model's): what the margin map varies one loss at a time
FACE_RECIPE = dict(_FACE_BASE)
