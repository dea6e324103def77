"""The embedding network's contract: shapes, the last ReLU, the bias option."""

import pytest
import torch

from spheredemo.models import EmbeddingNet


@pytest.mark.parametrize("dim", [2, 3, 8])
def test_output_shape(dim):
    assert EmbeddingNet(dim=dim)(torch.rand(4, 1, 28, 28)).shape == (4, dim)


def test_no_relu_after_embedding_by_default():
    torch.manual_seed(0)
    out = EmbeddingNet(dim=2)(torch.rand(64, 1, 28, 28))
    assert (out < 0).any(), "features must be free to take negative values"
    relu_out = EmbeddingNet(dim=2, last_relu=True)(torch.rand(64, 1, 28, 28))
    assert (relu_out >= 0).all()


def test_embedding_bias_option():
    assert EmbeddingNet(embedding_bias=False).embedding.bias is None
    assert EmbeddingNet().embedding.bias is not None


def test_input_normalisation_is_inside_the_model():
    model = EmbeddingNet().eval()
    x = torch.rand(2, 1, 28, 28)
    shifted = EmbeddingNet(mean=0.0, std=1.0).eval()
    shifted.load_state_dict(model.state_dict())
    assert not torch.allclose(model(x), shifted(x))


def test_other_image_sizes_work():
    assert EmbeddingNet(dim=3)(torch.rand(2, 1, 64, 56)).shape == (2, 3)


@pytest.mark.parametrize("bad", [1, 0, 2.5, "2"])
def test_bad_dim(bad):
    with pytest.raises(ValueError, match="dim .* must be an integer >= 2"):
        EmbeddingNet(dim=bad)


def test_bad_image_shape():
    with pytest.raises(ValueError, match=r"images must have shape \(B, C, H, W\)"):
        EmbeddingNet()(torch.rand(4, 28, 28))
