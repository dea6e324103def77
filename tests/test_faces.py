"""Face trees, the decoded-image cache, LFW's pairs and the open-set split."""

import warnings

import numpy as np
import pytest
import torch
from PIL import Image

from spheredemo import faces
from spheredemo.data import DataError
from spheredemo.faces import FacePreprocessing, check_disjoint, load_faces, load_lfw_pairs, preprocess_face, read_pairs


def make_tree(root, counts, size=(40, 50)):
    """A tiny identity-per-folder tree: identity k's images are flat grey level 10 + 20k (+ image number)."""
    for k, (name, n) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("RGB", size, (10 + 20 * k + i,) * 3).save(root / name / f"{name}_{i + 1:04d}.png")
    return root


def test_preprocess_keeps_the_centre_crop_and_resizes():
    image = np.zeros((100, 200, 3), np.uint8)
    image[25:75, 75:125] = 255  # a white square: the central 50 % of the shorter side
    face = preprocess_face(Image.fromarray(image), FacePreprocessing(size=16, crop=0.5))
    assert face.shape == (3, 16, 16) and face.dtype == np.uint8
    assert face[:, 1:-1, 1:-1].min() == 255 and face.mean() > 240  # the crop is the square (edges antialiased)
    grey = preprocess_face(Image.fromarray(image), FacePreprocessing(size=16, crop=1.0, grayscale=True))
    assert grey.shape == (1, 16, 16) and grey[0, 0, 0] == 0 and grey[0, 8, 8] == 255


@pytest.mark.parametrize("bad, message", [(dict(size=4), "size"), (dict(crop=0), "crop"), (dict(crop=1.5), "crop")])
def test_preprocessing_refuses_bad_settings(bad, message):
    with pytest.raises(ValueError, match=message):
        FacePreprocessing(**bad)


def test_load_faces_reads_labels_classes_and_paths(tmp_path, face_cache):
    root = make_tree(tmp_path / "tree", {"bob": 3, "alice": 2, "carol": 1})
    faces_ = load_faces(root, cache=face_cache, progress=False, preprocessing=FacePreprocessing(size=8, crop=1))
    assert faces_.classes == ("alice", "bob", "carol")
    assert faces_.images.shape == (6, 3, 8, 8) and faces_.images.dtype == torch.uint8
    for image, label, path in zip(faces_.images, faces_.labels, faces_.paths):
        assert path.split("/")[0] == faces_.classes[label]
        level = 10 + 20 * ["bob", "alice", "carol"].index(path.split("/")[0]) + int(path[-8:-4]) - 1
        assert int(image[0, 4, 4]) == level  # the pixels of that very file
    assert faces_.subset(torch.tensor([0, 5])).paths == (faces_.paths[0], faces_.paths[5])


def test_identity_selection(tmp_path, face_cache):
    root = make_tree(tmp_path / "tree", {"a": 4, "b": 3, "c": 2, "d": 1})
    kwargs = dict(cache=face_cache, progress=False, preprocessing=FacePreprocessing(size=8))
    assert load_faces(root, min_images=2, **kwargs).classes == ("a", "b", "c")
    assert load_faces(root, max_identities=2, **kwargs).classes == ("a", "b")
    assert load_faces(root, include=["c", "d"], **kwargs).classes == ("c", "d")
    assert load_faces(root, exclude=["a"], min_images=2, **kwargs).classes == ("b", "c")
    with pytest.raises(DataError, match="does not hold.*zed"):
        load_faces(root, include=["a", "zed"], **kwargs)
    with pytest.raises(DataError, match="1 identities with at least 4 images.*at least 2 are needed"):
        load_faces(root, min_images=4, **kwargs)


def test_second_load_comes_from_the_cache_and_a_changed_file_is_decoded_again(tmp_path, face_cache, monkeypatch):
    root = make_tree(tmp_path / "tree", {"a": 2, "b": 2})
    first = load_faces(root, cache=face_cache, progress=False)

    def no_decoding(*args):
        raise AssertionError("decoded again")

    monkeypatch.setattr(faces.trees, "_decode", no_decoding)  # the one decoder, where load_image_files calls it
    assert torch.equal(load_faces(root, cache=face_cache, progress=False).images, first.images)
    Image.new("RGB", (60, 60), (200, 0, 0)).save(root / "a" / "a_0001.png")  # another size: another key
    with pytest.raises(AssertionError, match="decoded again"):
        load_faces(root, cache=face_cache, progress=False)


def test_unreadable_trees_and_images_get_clear_errors(tmp_path):
    with pytest.raises(DataError, match="is not a folder"):
        load_faces(tmp_path / "nowhere", cache=False)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="is not an image tree"):
        load_faces(tmp_path / "empty", cache=False)
    root = make_tree(tmp_path / "tree", {"a": 2, "b": 2})
    (root / "b" / "b_0003.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="cannot read the image .*b_0003.jpg"):
        load_faces(root, cache=False, progress=False)


def test_read_pairs_parses_folds_and_refuses_malformed_lines(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("2\t1\nAnn\t1\t2\nAnn\t1\tBob\t3\nCid\t2\t4\nBob\t1\tCid\t1\n")
    assert read_pairs(path) == [
        (1, True, "Ann/Ann_0001.jpg", "Ann/Ann_0002.jpg"), (1, False, "Ann/Ann_0001.jpg", "Bob/Bob_0003.jpg"),
        (2, True, "Cid/Cid_0002.jpg", "Cid/Cid_0004.jpg"), (2, False, "Bob/Bob_0001.jpg", "Cid/Cid_0001.jpg")]
    path.write_text("2\t1\nAnn\t1\t2\nAnn\t1\tBob\nCid\t2\t4\nBob\t1\tCid\t1\n")
    with pytest.raises(DataError, match="line 3: expected a mismatched pair"):
        read_pairs(path)
    path.write_text("2\t1\nAnn\t1\t2\n")
    with pytest.raises(DataError, match="expected 2 folds"):
        read_pairs(path)


def test_lfw_pairs_of_the_complete_folds(lfw_root, face_cache):
    with pytest.warns(UserWarning, match=r"folds \[4, 5, 6, 7, 8, 9, 10\] miss images for 3833 pairs"):
        pairs = load_lfw_pairs(lfw_root, cache=face_cache, progress=False)
    assert pairs.folds == [1, 2, 3] and len(pairs) == 1800 and pairs.same.sum() == 900
    assert pairs.missing == {1: 0, 2: 0, 3: 0}
    same_name = [pairs.images.paths[i].split("/")[0] == pairs.images.paths[j].split("/")[0]
                 for i, j in zip(pairs.left, pairs.right)]
    assert np.array_equal(same_name, pairs.same)


def test_lfw_pairs_of_an_incomplete_fold_are_counted_not_dropped_silently(lfw_root, face_cache):
    with pytest.warns(UserWarning, match=r"547 pairs of folds \[4\] miss an image"):
        pairs = load_lfw_pairs(lfw_root, folds=[3, 4], cache=face_cache, progress=False)
    assert pairs.missing == {3: 0, 4: 547} and len(pairs) == 600 + 53
    with pytest.raises(ValueError, match="folds must be among"):
        load_lfw_pairs(lfw_root, folds=[11], cache=face_cache, progress=False)


def test_lfw_training_set_is_the_open_set_split(lfw_root, face_cache):
    train = faces.lfw_training_set(lfw_root, cache=face_cache, progress=False)
    assert (train.n_classes, len(train)) == (104, 3103)  # shared/data's README
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluated = load_lfw_pairs(lfw_root, cache=face_cache, progress=False).identities
    assert not set(train.classes) & evaluated
    expected = {line.split("\t")[0] for line in (lfw_root / "identities_ge10.tsv").read_text().splitlines()[1:]
                if line.split("\t")[2] not in ("1", "2", "3")}
    assert set(train.classes) == expected


def test_a_leaky_split_is_refused():
    with pytest.raises(ValueError, match="leaky split: 1 training identities appear.*Tony_Blair"):
        check_disjoint(["Tony_Blair", "Colin_Powell"], {"Tony_Blair", "Someone_Else"})
    check_disjoint(["Colin_Powell"], {"Tony_Blair"})


def test_a_same_size_edit_or_another_tree_is_not_served_from_the_cache(tmp_path, face_cache):
    """PGM files of one size all have the same byte count: the cache key must see more than sizes."""
    import os

    def grey_tree(root, level):
        for name in ("a", "b"):
            (root / name).mkdir(parents=True)
            for i in range(2):
                Image.new("L", (20, 20), level + i).save(root / name / f"{name}_{i}.pgm")
        return root

    first = load_faces(grey_tree(tmp_path / "one", 10), cache=face_cache, progress=False)
    other = load_faces(grey_tree(tmp_path / "two", 200), cache=face_cache, progress=False)
    assert int(first.images[0, 0, 5, 5]) != int(other.images[0, 0, 5, 5])
    edited = tmp_path / "one" / "a" / "a_0.pgm"
    Image.new("L", (20, 20), 99).save(edited)  # same size, new pixels
    os.utime(edited, ns=(edited.stat().st_atime_ns, edited.stat().st_mtime_ns + 1_000_000))
    assert int(load_faces(tmp_path / "one", cache=face_cache, progress=False).images[0, 0, 5, 5]) == 99


def test_a_corrupt_cache_is_rebuilt(tmp_path):
    root = make_tree(tmp_path / "tree", {"a": 2, "b": 2})
    cache = tmp_path / "cache"
    first = load_faces(root, cache=cache, progress=False)
    for path in cache.glob("*.np[yz]"):
        path.write_bytes(b"garbage")
    assert torch.equal(load_faces(root, cache=cache, progress=False).images, first.images)


def test_read_pairs_names_the_line_of_a_bad_number(tmp_path):
    path = tmp_path / "pairs.txt"
    path.write_text("1\t1\n\nAnn\t1\tx\nAnn\t1\tBob\t3\n")
    with pytest.raises(DataError, match="line 3: expected a matched pair"):
        read_pairs(path)
