"""Heads against slow per-sample references at known angles, plus their invariants."""

import math

import pytest
import torch
import torch.nn.functional as F

from spheredemo.losses import HEADS, ArcFace, ASoftmax, CosFace, ModifiedSoftmax, Softmax, make_head


def psi_slow(theta: float, m: int) -> float:
    k = min(int(theta * m / math.pi), m - 1)
    return (-1) ** k * math.cos(m * theta) - 2 * k


def asoftmax_reference(x, weight, y, m, lam):
    """A-Softmax logits one sample at a time, from θ = acos(...) in float64 Python math."""
    out = torch.empty(x.shape[0], weight.shape[0], dtype=torch.float64)
    for i in range(x.shape[0]):
        xi = x[i].double()
        norm = float(xi.norm())
        for j in range(weight.shape[0]):
            wj = weight[j].double() / weight[j].double().norm()
            cos = max(-1.0, min(1.0, float(xi @ wj) / norm))
            if j == int(y[i]):
                theta = math.acos(cos)
                out[i, j] = norm * (lam * cos + psi_slow(theta, m)) / (1 + lam)
            else:
                out[i, j] = norm * cos
    return out


def features_at_known_angles(dtype, n=180):
    """2D features at 0.5°..179.5° from class 0's weight (the +x axis), of assorted norms."""
    degrees = torch.arange(n, dtype=torch.float64) + 0.5
    radians = torch.deg2rad(degrees)
    norms = 1.0 + 4.0 * torch.rand(n, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    x = torch.stack([torch.cos(radians), torch.sin(radians)], 1) * norms[:, None]
    return x.to(dtype), radians


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("lam", [0.0, 5.0, 892.857])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_asoftmax_logits_match_slow_reference(m, lam, dtype):
    head = ASoftmax(2, 3, m=m).to(dtype)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[2.0, 0.0], [0.0, 3.0], [-1.0, -1.0]], dtype=dtype))
    x, _ = features_at_known_angles(dtype)
    y = torch.zeros(len(x), dtype=torch.long)
    got = head.logits(x, y, lam=lam)
    expected = asoftmax_reference(x, head.weight.detach(), y, m, lam)
    tol = 1e-4 * (2 * m + 1) if dtype == torch.float32 else 1e-9
    torch.testing.assert_close(got.double(), expected, atol=tol * 5, rtol=tol)


def test_asoftmax_random_labels_match_reference():
    torch.manual_seed(1)
    head = ASoftmax(5, 7, m=3).double()
    x = torch.randn(64, 5, dtype=torch.float64) * 3
    y = torch.randint(0, 7, (64,))
    torch.testing.assert_close(head.logits(x, y, lam=2.0), asoftmax_reference(x, head.weight.detach(), y, 3, 2.0))


def test_m1_equals_modified_softmax():
    torch.manual_seed(0)
    a, b = ASoftmax(3, 6, m=1), ModifiedSoftmax(3, 6)
    b.load_state_dict(a.state_dict())
    x, y = torch.randn(32, 3), torch.randint(0, 6, (32,))
    torch.testing.assert_close(a.logits(x, y), b.logits(x, y))
    torch.testing.assert_close(a(x, y), b(x, y))


@pytest.mark.parametrize("cls", [ModifiedSoftmax, ASoftmax])
def test_logits_use_unit_norm_weights(cls):
    torch.manual_seed(0)
    head = cls(2, 4)
    x, y = torch.randn(16, 2), torch.randint(0, 4, (16,))
    before = head.logits(x, y)
    with torch.no_grad():
        head.weight.mul_(torch.tensor([[3.0], [0.1], [7.0], [2.0]]))  # rescale every W_j
    torch.testing.assert_close(head.logits(x, y), before)  # the logits cannot see ‖W_j‖
    norms = head.unit_weight().norm(dim=1)
    torch.testing.assert_close(norms, torch.ones(4))
    assert not torch.allclose(head.weight.norm(dim=1), torch.ones(4)), "forward must not overwrite W"


def test_feature_is_not_normalised():
    head = ModifiedSoftmax(2, 2)
    x, y = torch.tensor([[1.0, 0.0]]), torch.tensor([0])
    torch.testing.assert_close(head.logits(5 * x, y), 5 * head.logits(x, y))


@pytest.mark.parametrize("m", [1, 2, 4])
def test_gradcheck_float64(m):
    """Analytic gradients of the A-Softmax loss match finite differences, for x and for W."""
    torch.manual_seed(0)
    head = ASoftmax(3, 5, m=m).double()
    x = torch.randn(6, 3, dtype=torch.float64, requires_grad=True)
    w = head.weight.detach().clone().requires_grad_(True)
    y = torch.randint(0, 5, (6,))

    def loss(x, w):
        return torch.func.functional_call(head, {"weight": w}, (x, y), {"lam": 1.5})

    assert torch.autograd.gradcheck(loss, (x, w))


@pytest.mark.parametrize("cls", [Softmax, ModifiedSoftmax, ASoftmax, CosFace, ArcFace])
def test_no_nan_at_cos_plus_minus_one_or_zero_feature(cls):
    head = cls(2, 2)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
    x = torch.tensor([[3.0, 0.0], [-2.0, 0.0], [0.0, 0.0]], requires_grad=True)
    y = torch.tensor([0, 0, 1])
    loss = head(x, y)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(x.grad).all() and torch.isfinite(head.weight.grad).all()


def test_gradients_reach_embeddings_and_weights():
    head = ASoftmax(2, 3, m=4)
    x = torch.randn(8, 2, requires_grad=True)
    head(x, torch.randint(0, 3, (8,)), lam=0.0).backward()
    assert x.grad.abs().sum() > 0 and head.weight.grad.abs().sum() > 0


def test_margin_makes_the_target_harder():
    """With a margin the loss at the same features is larger: the target logit shrinks."""
    torch.manual_seed(0)
    x, y = torch.randn(64, 2) * 4, torch.randint(0, 10, (64,))
    base = ModifiedSoftmax(2, 10)
    losses = []
    for m in (1, 2, 3, 4):
        head = ASoftmax(2, 10, m=m)
        head.load_state_dict(base.state_dict())
        losses.append(head(x, y, lam=0.0).item())
    assert all(a < b for a, b in zip(losses, losses[1:])), losses


def test_accuracy_uses_plain_cosines_not_the_margin():
    """Features just past the bisector: the cosine rule gets them right, the margin logits would not."""
    from spheredemo.analysis import Embeddings
    from spheredemo.data import ImageSet
    from spheredemo.train import evaluate

    head = ASoftmax(2, 2, m=4)
    with torch.no_grad():
        head.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    x, y = torch.tensor([[1.0, 0.9], [0.9, 1.0]]), torch.tensor([0, 1])
    assert (head.logits(x, y).argmax(1) != y).all(), "with the margin both would count as wrong"
    assert head.predict(x).tolist() == [0, 1]

    class Identity(torch.nn.Module):  # a "model" that returns the features it was given
        def forward(self, images):
            return images[:, 0, 0, :]

    model = Identity()
    model.register_parameter("p", torch.nn.Parameter(torch.zeros(1)))
    images = ImageSet((x * 100).round().to(torch.uint8)[:, None, None, :], y, ("a", "b"))
    assert evaluate(model, head, images) == 1.0
    assert Embeddings.from_model(model, head, images).accuracy == 1.0


def test_mismatched_dtype_is_a_clear_error():
    head = ASoftmax(2, 3)
    with pytest.raises(ValueError, match="x is torch.float64 .* head's weights are torch.float32"):
        head(torch.randn(4, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.long))


def test_softmax_has_bias_and_linear_logits():
    head = Softmax(2, 3)
    x, y = torch.randn(4, 2), torch.tensor([0, 1, 2, 0])
    with torch.no_grad():
        head.bias.copy_(torch.tensor([0.5, -1.0, 2.0]))
    torch.testing.assert_close(head.logits(x, y), x @ head.weight.T + head.bias)
    torch.testing.assert_close(head(x, y), F.cross_entropy(head.logits(x, y), y))
    assert Softmax(2, 3, bias=False).bias is None


def test_cosface_and_arcface_reference():
    torch.manual_seed(0)
    x, y = torch.randn(10, 4, dtype=torch.float64), torch.randint(0, 5, (10,))
    cos_head, arc_head = CosFace(4, 5, s=10, m=0.2).double(), ArcFace(4, 5, s=10, m=0.3).double()
    arc_head.load_state_dict(cos_head.state_dict())
    cos = F.normalize(x) @ F.normalize(cos_head.weight).T
    onehot = F.one_hot(y, 5).bool()
    torch.testing.assert_close(cos_head.logits(x, y), 10 * (cos - 0.2 * onehot))
    theta = torch.acos(cos.clamp(-1, 1))
    expected = torch.where(onehot & (theta + 0.3 < math.pi), torch.cos(theta + 0.3), cos)
    expected = torch.where(onehot & (theta + 0.3 >= math.pi), cos - 0.3 * math.sin(0.3), expected)
    torch.testing.assert_close(arc_head.logits(x, y), 10 * expected)


@pytest.mark.parametrize("bad_m", [0, 2.5, -1, "4"])
def test_asoftmax_bad_m(bad_m):
    with pytest.raises(ValueError, match="m must be a positive integer"):
        ASoftmax(2, 10, m=bad_m)


def test_bad_shapes_and_labels_are_refused():
    head = ASoftmax(2, 10)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 2\)"):
        head(torch.randn(4, 3), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9"):
        head(torch.randn(4, 2), torch.tensor([0, 1, 10, 2]))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.9"):
        head(torch.randn(4, 2), torch.tensor([0, -1, 1, 2]))
    with pytest.raises(ValueError, match="y must have shape"):
        head(torch.randn(4, 2), torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match="integer class labels"):
        head(torch.randn(4, 2), torch.zeros(4))
    with pytest.raises(ValueError, match="loss must be one of"):
        make_head("sphereface", 2, 10)


def test_every_head_has_the_shared_interface():
    x, y = torch.randn(5, 3), torch.randint(0, 4, (5,))
    for name in HEADS:
        head = make_head(name, 3, 4)
        assert head.weight.shape == (4, 3)
        assert head.logits(x, y).shape == (5, 4)
        assert head(x, y).ndim == 0
        assert head.predict(x).shape == (5,)
