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
    assert EmbeddingNet(dim=3, image_size=(64, 56))(torch.rand(2, 1, 64, 56)).shape == (2, 3)


@pytest.mark.parametrize("bad", [1, 0, 2.5, "2"])
def test_bad_dim(bad):
    with pytest.raises(ValueError, match="dim .* must be an integer >= 2"):
        EmbeddingNet(dim=bad)


def test_bad_image_shape():
    with pytest.raises(ValueError, match=r"takes images of shape \(B, C, H, W\) = \(B, 1, 28, 28\)"):
        EmbeddingNet()(torch.rand(4, 28, 28))


@pytest.mark.parametrize("name, units", [("sphereface4", 0), ("sphereface10", 3), ("sphereface20", 8)])
def test_sphereface_nets_follow_table_2(name, units):
    """Four stride-2 stages of 1×, 2×, 4×, 8× width channels, then residual units: 4 + 2·units 3×3 convs + FC1
    (so SphereFace-20 has 4 + 16 convs = 20 layers with FC1)."""
    from spheredemo.models import SPHEREFACE_UNITS, SphereFaceNet, make_model

    model = make_model(name, dim=512, width=8, image_size=(112, 96), in_channels=3)
    assert isinstance(model, SphereFaceNet) and sum(SPHEREFACE_UNITS[name]) == units
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4 + 2 * units
    assert [c.out_channels for c in convs if c.stride == (2, 2)] == [8, 16, 32, 64]
    assert model.embedding.in_features == 64 * 7 * 6  # 112×96 halved four times
    assert model(torch.rand(2, 3, 112, 96)).shape == (2, 512)


def test_face_net_on_square_grey_images_and_unknown_names():
    from spheredemo.models import make_model

    assert make_model("sphereface4", 3, 4, (64, 64), 1)(torch.rand(2, 1, 64, 64)).shape == (2, 3)
    with pytest.raises(ValueError, match="model must be one of"):
        make_model("resnet50", 3, 4)


@pytest.mark.parametrize("seed", range(5))
def test_a_last_relu_starts_with_no_unit_dead(seed, mnist_test):
    """Fig. 8's cause: with random rows, a 2-unit ReLU embedding often starts with a unit negative for every
    image (it then never gets a gradient). Every unit must start active for (nearly) every image."""
    from spheredemo.config import TrainConfig
    from spheredemo.train import build

    images, _ = mnist_test.batch(torch.arange(512))
    torch.manual_seed(seed)
    model, head = build(TrainConfig(dim=2, loss="modified", last_relu=True))
    with torch.no_grad():
        features = model.train()(images)
    active = (features > 0).float().mean(0)  # (2,) fraction of images each unit is active for
    assert active.min() > 0.95, f"fraction of images per unit active: {active}"
    assert (head.weight >= 0).all(), "class weights start in the positive orthant, where the ReLU's features are"
    torch.manual_seed(seed)
    plain, plain_head = build(TrainConfig(dim=2, loss="modified"))
    assert (plain_head.weight < 0).any()  # only the ReLU model's init is changed
