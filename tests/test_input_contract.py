"""The shipped models take what the loaders return: uint8 images give the same features as ImageSet.batch's
floats, and a wrong shape, dtype or value range is refused with a message that names it (issue 18, points 1–2)."""

import pytest
import torch

from spheredemo import pretrained
from spheredemo.models import EmbeddingNet, SphereFaceNet, prepare_images


@pytest.fixture(scope="module")
def mnist_model():
    model, _ = pretrained.load("mnist", dim=2, loss="asoftmax", m=4)
    return model


@pytest.fixture(scope="module")
def face_model():
    model, _ = pretrained.load("lfw", dim=512, loss="asoftmax", m=4)
    return model


def test_mnist_model_takes_load_mnist_images(mnist_model, mnist_test):
    raw = mnist_test.images[:64]  # what load_mnist(...).images holds: uint8 (B, 1, 28, 28)
    assert raw.dtype == torch.uint8
    floats, _ = mnist_test.batch(slice(0, 64))
    with torch.no_grad():
        from_raw, from_floats = mnist_model(raw), mnist_model(floats)
    cosine = torch.nn.functional.cosine_similarity(from_raw, from_floats, dim=1)
    assert cosine.min() > 0.9999
    torch.testing.assert_close(from_raw, from_floats, rtol=1e-5, atol=1e-5)


def test_face_model_takes_load_faces_images(face_model, lfw_root, face_cache):
    from spheredemo.faces import load_faces

    faces = load_faces(lfw_root, min_images=100, cache=face_cache, progress=False)
    raw = faces.images[:16]
    floats, _ = faces.batch(slice(0, 16))
    with torch.no_grad():
        torch.testing.assert_close(face_model(raw), face_model(floats), rtol=1e-5, atol=1e-5)


def test_float_images_in_0_255_are_refused(mnist_model, face_model):
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*divided by 255"):
        mnist_model(torch.rand(4, 1, 28, 28) * 255)
    with pytest.raises(ValueError, match=r"values in \[0, 1\].*divided by 255"):
        face_model(torch.rand(2, 3, 64, 64) * 255)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.int16])
def test_other_integer_images_are_refused_by_dtype(mnist_model, dtype):
    with pytest.raises(ValueError, match=f"uint8 in \\[0, 255\\], got dtype {dtype}"):
        mnist_model(torch.zeros(2, 1, 28, 28, dtype=dtype))


@pytest.mark.parametrize("shape", [(2, 1, 32, 32), (2, 3, 28, 28), (2, 28, 28), (2, 1, 28, 27)])
def test_mnist_model_refuses_other_shapes(mnist_model, shape):
    with pytest.raises(ValueError, match=r"\(B, C, H, W\) = \(B, 1, 28, 28\), got"):
        mnist_model(torch.rand(*shape))


@pytest.mark.parametrize("shape", [(2, 1, 64, 64), (2, 3, 112, 96), (2, 3, 28, 28)])
def test_face_model_refuses_other_shapes(face_model, shape):
    with pytest.raises(ValueError, match=r"\(B, C, H, W\) = \(B, 3, 64, 64\), got"):
        face_model(torch.rand(*shape))


def test_a_model_knows_its_input_shape(mnist_model, face_model):
    assert mnist_model.input_shape == (1, 28, 28)
    assert face_model.input_shape == (3, 64, 64)
    assert SphereFaceNet(dim=8, units=(0, 0, 0, 0), width=4, image_size=(112, 96)).input_shape == (3, 112, 96)


def test_slightly_out_of_range_floats_still_pass():
    """Augmented or resampled images stray a little outside [0, 1]: they are kept as they are."""
    images = torch.rand(2, 1, 28, 28) * 1.2 - 0.1
    assert prepare_images(images, (1, 28, 28)) is images
    assert EmbeddingNet()(images).shape == (2, 2)


def test_non_tensor_is_refused():
    with pytest.raises(ValueError, match="must be a torch.Tensor"):
        prepare_images([[0.0]], (1, 28, 28))
