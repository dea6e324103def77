"""The MNIST loader on the staged files, on corrupted copies and with nothing to find."""

import itertools
import shutil

import pytest
import torch

from spheredemo import data
from spheredemo.data import MNIST_FILES, DataError, load_mnist


def test_loads_both_splits_with_official_counts(data_root):
    train = load_mnist("train", data_root, download=False)
    test = load_mnist("test", data_root, download=False)
    assert train.images.shape == (60000, 1, 28, 28) and train.images.dtype == torch.uint8
    assert test.images.shape == (10000, 1, 28, 28)
    assert train.labels.dtype == torch.int64
    assert torch.bincount(train.labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert torch.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert train.labels[:6].tolist() == [5, 0, 4, 1, 9, 2]


def test_batch_gives_float_images_in_unit_range(mnist_test):
    images, labels = mnist_test.batch(torch.arange(8))
    assert images.dtype == torch.float32 and images.shape == (8, 1, 28, 28)
    assert 0.0 <= float(images.min()) and float(images.max()) <= 1.0
    assert labels.tolist() == mnist_test.labels[:8].tolist()


def test_environment_variable_is_used(data_root, monkeypatch, tmp_path):
    monkeypatch.setenv("SPHEREDEMO_DATA", str(data_root))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    assert len(load_mnist("test", download=False)) == 10000


def _copy(data_root, tmp_path):
    target = tmp_path / "copy"
    target.mkdir()
    for name in MNIST_FILES:
        shutil.copy(data_root / "mnist" / name, target / name)
    return target


def test_corrupt_file_is_refused_by_name(data_root, tmp_path):
    copy = _copy(data_root, tmp_path)
    labels = copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(labels.read_bytes())
    raw[100] ^= 0xFF
    labels.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is corrupt or truncated"):
        load_mnist("test", copy, download=False)


def test_truncated_file_is_refused_by_name(data_root, tmp_path):
    copy = _copy(data_root, tmp_path)
    images = copy / "t10k-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:5000])
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz is corrupt or truncated"):
        load_mnist("test", copy, download=False)
    assert len(load_mnist("train", copy, download=False)) == 60000  # the other split still loads


def test_offline_without_files_lists_names_and_places(tmp_path, monkeypatch):
    monkeypatch.delenv("SPHEREDEMO_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataError) as info:
        load_mnist("train", tmp_path / "nothing-here", download=False)
    message = str(info.value)
    for name in MNIST_FILES:
        assert name in message
    assert "nothing-here" in message and "SPHEREDEMO_DATA" in message


def test_failed_download_leaves_no_partial_file(tmp_path, monkeypatch):
    """With every mirror unreachable the error lists the tries and nothing half-written remains."""
    monkeypatch.setattr(data, "MIRRORS", ("http://127.0.0.1:9/",))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="could not download train-images-idx3-ubyte.gz"):
        load_mnist("train", tmp_path / "dl", download=True)
    assert list((tmp_path / "dl").iterdir()) == []


def test_bad_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_mnist("validation")


def test_per_class_subset_is_balanced(mnist_test):
    small = mnist_test.per_class(7, seed=3)
    assert torch.bincount(small.labels).tolist() == [7] * 10


@pytest.fixture
def local_mirrors(data_root, tmp_path):
    """Two HTTP mirrors on 127.0.0.1: the first serves a corrupt copy, the second the real files."""
    import functools
    import http.server
    import threading

    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    for name in MNIST_FILES:
        shutil.copy(data_root / "mnist" / name, good / name)
        (bad / name).write_bytes(b"not the file you are looking for")
    servers = []
    for folder in (bad, good):
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
        handler.log_message = lambda *args: None
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield tuple(f"http://127.0.0.1:{s.server_address[1]}/" for s in servers)
    for server in servers:
        server.shutdown()
        server.server_close()


def test_download_verifies_checksums_and_falls_back(local_mirrors, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", local_mirrors)
    monkeypatch.delenv("SPHEREDEMO_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    test = load_mnist("test")  # nothing local: downloads into the user cache
    assert len(test) == 10000
    cached = sorted(p.name for p in (tmp_path / "cache" / "spheredemo").iterdir())
    assert cached == sorted(MNIST_FILES), "only verified, complete files may stay in the cache"
    monkeypatch.setattr(data, "MIRRORS", ("http://127.0.0.1:9/",))
    assert len(load_mnist("train")) == 60000  # now served from the cache, no network needed


def test_random_shift_moves_each_image_whole():
    images = torch.rand(16, 1, 28, 28)
    images[:, :, :3, :] = images[:, :, -3:, :] = images[:, :, :, :3] = images[:, :, :, -3:] = 0  # blank border
    shifted = data.random_shift(images, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == images.shape
    for original, moved in zip(images, shifted):
        matches = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                   if torch.equal(torch.roll(original, (dy, dx), dims=(1, 2)), moved)]
        assert len(matches) == 1, "each image must be its original, shifted by at most 2 pixels"
    assert data.random_shift(images, 0) is images


def _bilinear_reference(image, theta):
    """Slow explicit resampling of one (C, H, W) image: output pixel (i, j) reads the input at theta @ (x, y, 1),
    with x, y the pixel centre in coordinates from -1 to 1 across the image, bilinear, edge pixels repeated."""
    channels, height, width = image.shape
    out = torch.empty_like(image, dtype=torch.float64)
    for i in range(height):
        for j in range(width):
            x, y = (2 * j + 1) / width - 1, (2 * i + 1) / height - 1
            sx = float(theta[0, 0] * x + theta[0, 1] * y + theta[0, 2])
            sy = float(theta[1, 0] * x + theta[1, 1] * y + theta[1, 2])
            # back to pixel units, clamped to the image: the edge pixels repeat outward
            px = min(max(((sx + 1) * width - 1) / 2, 0.0), width - 1.0)
            py = min(max(((sy + 1) * height - 1) / 2, 0.0), height - 1.0)
            x0, y0 = int(px), int(py)
            x1, y1 = min(x0 + 1, width - 1), min(y0 + 1, height - 1)
            ax, ay = px - x0, py - y0
            for c in range(channels):
                img = image[c].double()
                out[c, i, j] = ((1 - ay) * ((1 - ax) * img[y0, x0] + ax * img[y0, x1])
                                + ay * ((1 - ax) * img[y1, x0] + ax * img[y1, x1]))
    return out


def test_random_affine_resamples_each_image_as_its_view_says():
    images = torch.rand(3, 2, 7, 9)
    warped = data.random_affine(images, 0.3, 0.1, 20.0, torch.Generator().manual_seed(4))
    theta = data.affine_views(3, 0.3, 0.1, 20.0, torch.Generator().manual_seed(4), aspect=7 / 9)
    for image, view, out in zip(images, theta, warped):
        torch.testing.assert_close(out.double(), _bilinear_reference(image, view), rtol=0, atol=1e-5)
    assert torch.equal(warped, data.random_affine(images, 0.3, 0.1, 20.0, torch.Generator().manual_seed(4)))
    same = data.random_affine(images[:1].expand(3, -1, -1, -1), 0.3, 0.1, 20.0, torch.Generator().manual_seed(4))
    assert not torch.equal(same[0], same[1]) and not torch.equal(same[1], same[2])  # each image its own view


def test_affine_views_stay_inside_the_amounts_asked():
    theta = data.affine_views(4000, 0.2, 0.05, 10.0, torch.Generator().manual_seed(0))
    scale = torch.linalg.det(theta[:, :, :2]).sqrt()  # a turn times a scale: det = scale²
    angle_deg = torch.rad2deg(torch.atan2(theta[:, 1, 0], theta[:, 0, 0]))
    shift = theta[:, :, 2] / 2  # in sides of the image
    assert 0.8 <= scale.min() < 0.81 and 0.99 < scale.max() <= 1.0
    assert -10 <= angle_deg.min() < -9.9 and 9.9 < angle_deg.max() <= 10
    assert -0.05 <= shift.min() < -0.049 and 0.049 < shift.max() <= 0.05
    block = theta[:, :, :2]
    torch.testing.assert_close(block @ block.transpose(1, 2), scale[:, None, None] ** 2 * torch.eye(2).double()
                               .expand(4000, 2, 2))  # a turn times a scale, nothing else


def test_a_turn_on_a_non_square_image_is_a_turn_in_pixels():
    height, width = 8, 16
    theta = data.affine_views(50, 0.2, 0.0, 40.0, torch.Generator().manual_seed(1), aspect=height / width)
    pixels = torch.diag(torch.tensor([width, height], dtype=torch.float64))  # coordinates -> pixels (up to 2)
    block = pixels @ theta[:, :, :2] @ torch.linalg.inv(pixels)
    scale2 = torch.linalg.det(block)
    torch.testing.assert_close(block @ block.transpose(1, 2), scale2[:, None, None] * torch.eye(2).double()
                               .expand(50, 2, 2))  # lengths in pixels keep their ratios: no stretch


def test_random_affine_keeps_half_precision_images_on_a_float32_grid():
    images = torch.rand(4, 3, 64, 64)
    reference = data.random_affine(images, 0.1, 0.03, 5.0, torch.Generator().manual_seed(2))
    half = data.random_affine(images.bfloat16(), 0.1, 0.03, 5.0, torch.Generator().manual_seed(2))
    assert half.dtype == torch.bfloat16
    torch.testing.assert_close(half.float(), reference, rtol=0, atol=1.5e-2)  # bf16's own rounding, no grid error
    with pytest.raises(ValueError, match="random_affine takes float images.*uint8"):
        data.random_affine(torch.zeros(1, 1, 8, 8, dtype=torch.uint8), zoom=0.1)


def test_random_affine_without_amounts_is_the_identity_and_bad_amounts_are_named():
    images = torch.rand(2, 1, 8, 8)
    assert data.random_affine(images) is images
    one_pixel = data.random_affine(images, translate=1e-9, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(one_pixel, images, rtol=0, atol=1e-6)  # a vanishing move changes nothing
    for amounts, message in (({"zoom": 0.6}, r"zoom must be a finite number in \[0, 0.5\], got 0.6"),
                             ({"translate": -0.1}, r"translate must be a finite number in \[0, 0.25\], got -0.1"),
                             ({"rotate_deg": 90}, r"rotate_deg must be a finite number in \[0, 45\]"),
                             ({"zoom": True}, r"zoom must be a finite number in \[0, 0.5\], got True"),
                             ({"rotate_deg": "5"}, r"rotate_deg must be a finite number in \[0, 45\], got '5'")):
        with pytest.raises(ValueError, match=message):
            data.random_affine(images, **amounts)


def _photometric_reference(images, brightness, contrast, grayscale, seed):
    """random_photometric written out image by image and pixel by pixel, from the same three draws per image."""
    draws = torch.rand(3, len(images), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    out = images.double().clone()
    for k, image in enumerate(out):
        image *= 1 + (2 * float(draws[0, k]) - 1) * brightness
        mean = sum(float(v) for v in image.flatten()) / image.numel()
        factor = 1 + (2 * float(draws[1, k]) - 1) * contrast
        for index in itertools.product(*map(range, image.shape)):
            image[index] = (image[index] - mean) * factor + mean
        if float(draws[2, k]) < grayscale:
            for i, j in itertools.product(*map(range, image.shape[1:])):
                image[:, i, j] = sum(float(v) for v in image[:, i, j]) / image.shape[0]
        out[k] = image.clamp(0, 1)
    return out


def test_random_photometric_changes_each_image_as_written_out_by_hand():
    images = torch.rand(6, 3, 5, 4)
    changed = data.random_photometric(images, 0.4, 0.5, 0.5, torch.Generator().manual_seed(9))
    torch.testing.assert_close(changed.double(), _photometric_reference(images, 0.4, 0.5, 0.5, seed=9),
                               rtol=0, atol=1e-6)
    assert changed.min() >= 0 and changed.max() <= 1
    grey = data.random_photometric(images, grayscale=1.0, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(grey, images.mean(dim=1, keepdim=True).expand_as(images))
    assert data.random_photometric(images) is images
    bright = data.random_photometric(images, brightness=0.3, generator=torch.Generator().manual_seed(1))
    ratio = (bright / images).flatten(1)  # nothing clipped below 1 / 1.3: one factor per image
    assert torch.all((ratio.max(1).values - ratio.min(1).values)[images.flatten(1).max(1).values < 1 / 1.3] < 1e-5)


def _erase_reference(images, probability, max_size, seed):
    """random_erase written out image by image: draw, decide, measure the rectangle, paint it pixel by pixel."""
    draws = torch.rand(6, len(images), generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    out = images.clone()
    height, width = images.shape[-2:]
    for k in range(len(images)):
        chosen, size_y, size_x, place_y, place_x, grey = (float(v) for v in draws[:, k])
        if chosen >= probability:
            continue
        rect_h = int(height * max_size * (1 + size_y) / 2)
        rect_w = int(width * max_size * (1 + size_x) / 2)
        top, left = int(place_y * (height - rect_h + 1)), int(place_x * (width - rect_w + 1))
        for i in range(top, top + rect_h):
            for j in range(left, left + rect_w):
                out[k, :, i, j] = grey
    return out


def test_random_erase_paints_the_rectangles_written_out_by_hand():
    images = torch.rand(40, 3, 12, 10)
    erased = data.random_erase(images, 0.6, 0.5, torch.Generator().manual_seed(3))
    torch.testing.assert_close(erased, _erase_reference(images, 0.6, 0.5, seed=3), rtol=0, atol=0)
    touched = (erased != images).flatten(1).any(1)
    assert 0 < touched.sum() < len(images)  # some images erased, some not
    assert data.random_erase(images) is images and data.random_erase(images, 0.5, 0.0) is images


def test_random_erase_rectangles_stay_inside_the_sizes_asked():
    images = torch.full((3000, 1, 20, 20), 2.0)  # outside [0, 1]: every erased pixel is seen
    erased = data.random_erase(images, 0.3, 0.5, torch.Generator().manual_seed(0)) != 2.0
    chosen = erased.flatten(1).any(1)
    assert 0.27 < chosen.float().mean() < 0.33  # probability 0.3
    rows, cols = erased[chosen, 0].any(2).sum(1), erased[chosen, 0].any(1).sum(1)
    # sides U(0.25, 0.5) of 20 px, rounded down: 5 to 9 px
    assert rows.min() == 5 and rows.max() == 9 and cols.min() == 5 and cols.max() == 9
    assert torch.equal(erased[chosen, 0].sum((1, 2)), rows * cols)  # one solid rectangle each


def test_photometric_and_erase_amounts_are_checked_by_name():
    images = torch.rand(2, 3, 8, 8)
    for call, message in ((lambda: data.random_photometric(images, brightness=1.0),
                           r"brightness must be a finite number in \[0, 0.9\], got 1.0"),
                          (lambda: data.random_photometric(images, grayscale=-0.1),
                           r"grayscale must be a finite number in \[0, 1\], got -0.1"),
                          (lambda: data.random_erase(images, probability=float("nan")),
                           r"erase must be a finite number in \[0, 1\], got nan"),
                          (lambda: data.random_erase(images, 0.5, max_size=0.95),
                           r"erase_size must be a finite number in \[0, 0.9\], got 0.95"),
                          (lambda: data.random_erase(images.to(torch.uint8), 0.5), "random_erase takes float images"),
                          (lambda: data.random_photometric(images.to(torch.uint8), 0.5),
                           "random_photometric takes float images")):
        with pytest.raises(ValueError, match=message):
            call()


def test_a_relative_spheredemo_data_is_read_from_the_process_folder_or_refused(data_root, tmp_path, monkeypatch):
    """A kernel runs in its notebook's folder: a relative SPHEREDEMO_DATA that names a folder from there is used
    (made absolute); one that names none is refused with the folder it was read from and the fix, before any
    search or download, and no folder is made for it."""
    import os

    from spheredemo import setup_check
    from spheredemo.faces import find_lfw
    from spheredemo.imageset import RelativeDataPath, env_data_root

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notebooks = tmp_path / "repo" / "notebooks"
    notebooks.mkdir(parents=True)
    monkeypatch.chdir(notebooks)
    monkeypatch.setenv("SPHEREDEMO_DATA", os.path.relpath(data_root, notebooks))  # right from here
    assert env_data_root() == data_root.resolve() and len(load_mnist("test", download=False)) == 10000
    monkeypatch.setenv("SPHEREDEMO_DATA", "../shared/data")  # right from the repository's root only
    for attempt in (env_data_root, lambda: load_mnist("train"), find_lfw):
        with pytest.raises(RelativeDataPath, match=r"SPHEREDEMO_DATA=\.\./shared/data is a relative path, and from "
                           r"this process's folder \(.*notebooks\) it names no folder.*absolute path"):
            attempt()
    assert not (tmp_path / "repo" / "shared").exists()  # no download made a folder there
    lines = [line for _, _, line in setup_check.checks()]
    assert any(line.startswith("MNIST not looked for: SPHEREDEMO_DATA=../shared/data is a relative path")
               for line in lines)
    monkeypatch.setenv("SPHEREDEMO_DATA", str(data_root))  # absolute: as given
    assert env_data_root() == data_root
