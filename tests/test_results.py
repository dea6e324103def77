"""The README's results blocks are generated from the manifest, and their verdicts follow the seed-noise rule
(issue 18, point 9): tests assert on the generator and the manifest, not on prose."""

import copy
import json

import pytest

from spheredemo import pretrained, results, validation_report
from spheredemo.results import SeedSpread


def test_the_readme_blocks_are_what_the_manifest_gives():
    """Fails when a retraining (or a hand edit) leaves the README's generated text behind the manifest."""
    assert results.main(["--check"]) == 0


def test_check_fails_on_a_hand_edited_block(tmp_path, capsys):
    readme = tmp_path / "README.md"
    text = results.README.read_text()
    edited = text.replace("| folds 1–3 | ", "| folds 1–3 | 99.99 ± 0.01 | ", 1)
    assert edited != text
    readme.write_text(edited)
    assert results.main(["--check", "--readme", str(readme)]) == 1
    assert "faces-table" in capsys.readouterr().err
    assert results.main(["--write", "--readme", str(readme)]) == 0
    assert readme.read_text() == text


def test_seed_noise_rule():
    a, b = SeedSpread(87.0, 0.2, 3), SeedSpread(86.5, 0.2, 3)
    assert a.beyond_noise(b) and b.beyond_noise(a)
    assert not SeedSpread(87.0, 0.3, 3).beyond_noise(SeedSpread(86.5, 0.3, 3))  # 0.5 < 0.3 + 0.3
    assert SeedSpread.of([1.0, 2.0, 3.0]) == SeedSpread(2.0, 1.0, 3)
    assert SeedSpread.of([4.0]) == SeedSpread(4.0, 0.0, 1)


def _manifest_copy(tmp_path):
    return copy.deepcopy(pretrained.manifest())  # the claims read the manifest only


def _write(tmp_path, entries):
    (tmp_path / "manifest.json").write_text(json.dumps(entries))


def _set_accuracy(entries, name, values):
    for seed, value in zip(sorted(entries[name]["seeds"], key=int), values):
        entries[name]["seeds"][seed]["lfw_accuracy"] = value / 100


def test_the_faces_claims_follow_the_numbers_not_a_fixed_text(tmp_path):
    """With m = 2, 3, 4 pulled down to softmax's level the claims say so; with CosFace tuned above softmax
    beyond the noise they say that."""
    entries = _manifest_copy(tmp_path)
    softmax = [100 * s["lfw_accuracy"] for s in entries["lfw-d512-softmax"]["seeds"].values()]
    for m in (2, 3, 4):
        _set_accuracy(entries, f"lfw-d512-asoftmax-m{m}", softmax)
    _set_accuracy(entries, "lfw-d512-cosface", [v + 3 for v in softmax])
    entries["lfw-d512-cosface"]["config"]["s"] = 6.55
    _write(tmp_path, entries)
    claims = results.faces_claims(tmp_path)
    assert "No A-Softmax model with m ≥ 2 beats all of softmax, modified softmax and m = 1 beyond the seed noise" \
        in claims
    assert "CosFace (s = 6.55, m = 0.35)" in claims and "(above, beyond the seed noise;" in claims
    # the targets bullet follows the numbers too: no margin over softmax, CosFace now above it
    assert "is +0.00 points above softmax (≥ 1.5: not met)" in claims
    assert "CosFace " in claims and "(not below softmax: met)" in claims
    shipped = results.faces_claims()
    assert "An angular margin helps on unseen people" in shipped
    assert "(≥ 1.5: met)" in shipped and "Validation ranks A-Softmax" in shipped


def test_the_face_map_table_has_a_row_per_trained_cell():
    rows = [dict(cell="softmax", seed=0, loss="softmax", m=None, s=None, lambda_min=None, final_lambda=None,
                 val_accuracy=0.86, val_fold_std=0.04, val_auc=0.94, val_pairs=1200, steps=4900),
            dict(cell="asoftmax-m4-lmin0", seed=0, loss="asoftmax", m=4, s=None, lambda_min=0.0, final_lambda=0.0,
                 val_accuracy=0.80, val_fold_std=0.05, val_auc=0.90, val_pairs=1200, steps=4900),
            dict(cell="asoftmax-m4-lmin0", seed=1, loss="asoftmax", m=4, s=None, lambda_min=0.0, final_lambda=0.0,
                 val_accuracy=0.82, val_fold_std=0.05, val_auc=0.91, val_pairs=1200, steps=4900)]
    table = validation_report.face_map_table(rows)
    assert "| softmax | softmax |  |  |  |  | 86.00 | 0.9400 | 1 |" in table
    assert "| asoftmax-m4-lmin0 | asoftmax | 4 |  | 0 | 4.00 | 81.00 ± 1.41 | 0.9050 ± 0.0071 | 2 |" in table
    from spheredemo import face_map

    assert f"2 of {len(face_map.CELLS)} cells trained" in table
    assert "has not been run yet" in validation_report.face_map_table([])


def test_an_unknown_block_is_refused():
    with pytest.raises(ValueError, match="no generated block named 'nope'"):
        results.generate("nope")


def test_the_face_map_claims_follow_the_map():
    """The map's claims are computed: a cell at its nominal m that verifies well is named as such; a cell far
    below softmax is named as too much; with the shipped results, m ≥ 3 at λ_min 0 is too much."""
    from spheredemo import face_map

    shipped = face_map.read_results()
    claims = validation_report.face_map_claims(shipped).replace("\n  ", " ")
    assert "`asoftmax-m4-lmin0` 64.00 (m_eff 4.00)" in claims.split("Too much")[1].split("\n- ")[0]
    assert "no A-Softmax cell with m ≥ 3 trains near its nominal m" in claims
    edited = copy.deepcopy(shipped)
    for r in edited:
        if r["cell"] == "asoftmax-m4-lmin0":
            r["val_accuracy"] = 0.89
    claims = validation_report.face_map_claims(edited).replace("\n  ", " ")
    assert "`asoftmax-m4-lmin0` trains at its nominal m and verifies within a fold's spread of softmax" in claims
    assert "asoftmax-m4-lmin0` 64.00" not in claims
