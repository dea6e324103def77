"""CNN trunks that end in an embedding: a small digit CNN and the paper's SphereFace-N face nets.

``make_model(name, ...)`` builds either by name (:data:`MODELS`).

BatchNorm + PReLU in the trunk make 2D/3D heads train reliably; the embedding layer has no
ReLU after it (Appendix A, Fig. 8) unless ``last_relu=True`` is asked for, and its bias can
be dropped (Appendix C).

The input contract, the same for every model: images of the model's ``input_shape`` (C, H, W), as a batch
(B, C, H, W), either float in [0, 1] (what :meth:`spheredemo.imageset.ImageSet.batch` returns) or uint8 in
[0, 255] (what ``load_mnist(...).images`` and ``load_faces(...).images`` hold), which is divided by 255 exactly as
``ImageSet.batch`` does. Anything else is refused with a ValueError that says what was wrong: another shape,
another integer type, or float images far outside [0, 1] (a [0, 255] float tensor). The normalisation to zero
mean and unit variance happens inside the model.
"""

from __future__ import annotations

import torch
from torch import nn

from spheredemo._validate import check_finite, check_int
from spheredemo.config import MODEL_NAMES

__all__ = ["EmbeddingNet", "SphereFaceNet", "make_model", "prepare_images", "MODELS", "SPHEREFACE_UNITS",
           "MNIST_MEAN", "MNIST_STD", "FACE_MEAN", "FACE_STD"]

MNIST_MEAN = 0.1307  # mean pixel of the MNIST training set, images scaled to [0, 1]
MNIST_STD = 0.3081  # its standard deviation
FACE_MEAN = 127.5 / 255  # the paper's face normalisation (p − 127.5) / 128, for images scaled to [0, 1]
FACE_STD = 128 / 255

#: residual units per stage of SphereFace-N (Table 2); the four stages have 1×, 2×, 4×, 8× ``width`` channels
SPHEREFACE_UNITS = {
    "sphereface4": (0, 0, 0, 0),
    "sphereface10": (0, 1, 2, 0),
    "sphereface20": (1, 2, 4, 1),
    "sphereface36": (2, 4, 8, 2),
    "sphereface64": (3, 8, 16, 3),
}
#: every model name :func:`make_model` knows: those a config names (``config.MODEL_NAMES``, the one list) but "auto"
MODELS = tuple(name for name in MODEL_NAMES if name != "auto")
if set(MODELS) != {"mnist-cnn", *SPHEREFACE_UNITS}:  # a name added in one place only
    raise ImportError(f"config.MODEL_NAMES {MODELS} and the nets models.py builds ({sorted(SPHEREFACE_UNITS)} and "
                      f"mnist-cnn) disagree")


def _conv_block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.PReLU(c_out)]


#: the embedding bias a last ReLU starts with: about 3 standard deviations of the zero-mean pre-activations at init
RELU_START_BIAS = 1.0


def _alive_under_relu(embedding: nn.Linear) -> None:
    """Initialise the embedding so that no unit of a last ReLU is dead from the start (Appendix A, Fig. 8).

    The trunk ends in max-pooled PReLU outputs, nearly all positive, so a random row of the embedding gives
    its unit one sign for nearly every image: with dim 2, each unit is dead from the first step with
    probability one half, and a dead unit gets no gradient ever again. Rows of zero mean remove that common
    part, and a bias of ``RELU_START_BIAS`` keeps every unit active for every image at init. The other half of
    the fix is the head's: :func:`spheredemo.train.build` starts the class weights in the positive orthant.
    """
    with torch.no_grad():
        embedding.weight.sub_(embedding.weight.mean(dim=1, keepdim=True))
        if embedding.bias is not None:
            embedding.bias.fill_(RELU_START_BIAS)


#: float images whose values leave [−FLOAT_SLACK, 1 + FLOAT_SLACK] are refused: augmented or resampled images
#: stray a little outside [0, 1], images scaled to [0, 255] (or standardised twice) far more
FLOAT_SLACK = 0.5


def prepare_images(images, input_shape: tuple[int, int, int]) -> torch.Tensor:
    """Check ``images`` against the model's ``input_shape`` (C, H, W) and the value contract, and return them
    as floats in [0, 1]: uint8 is divided by 255 (as :meth:`ImageSet.batch` does); floats are kept.

    Raises ValueError naming the expected shape, or the dtype or value range that was wrong and the fix.
    """
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"images must be a torch.Tensor of shape (B, {', '.join(map(str, input_shape))}), "
                         f"got {type(images).__name__}")
    if images.ndim != 4 or tuple(images.shape[1:]) != tuple(input_shape):
        raise ValueError(f"this model takes images of shape (B, C, H, W) = (B, {', '.join(map(str, input_shape))}), "
                         f"got {tuple(images.shape)}")
    if images.dtype == torch.uint8:
        return images.float().div_(255.0)
    if not images.is_floating_point():
        raise ValueError(f"images must be float in [0, 1] or uint8 in [0, 255], got dtype {images.dtype}; "
                         f"convert with images.float() / 255 if they hold 0..255 pixel values")
    if images.numel():
        low, high = torch.aminmax(images.detach())
        if high > 1 + FLOAT_SLACK or low < -FLOAT_SLACK:
            raise ValueError(f"float images must hold values in [0, 1], got values from {float(low):.4g} to "
                             f"{float(high):.4g}; images of 0..255 pixel values must be divided by 255 first "
                             f"(or passed as uint8), and the model normalises by itself")
    return images


def _check_common(dim, width, std) -> None:
    check_int("dim (the embedding size)", dim, minimum=2)
    check_int("width", width)
    check_finite("std", std, strict=True)


class EmbeddingNet(nn.Module):
    """Conv trunk (three stages, each halving the image) + a linear embedding of size ``dim``.

    Args:
        dim: embedding size, >= 2 (2 and 3 are the ones that can be drawn).
        width: channels of the first stage; later stages use 2× and 4× this.
        last_relu: put a ReLU after the embedding (the design the paper warns against).
        embedding_bias: give the embedding layer a bias.
        in_channels: image channels (1 for MNIST and the grey face sets).
        image_size: (height, width) of the images it takes (MNIST: 28×28); others are refused.
        mean, std: input normalisation applied inside the model.
    """

    def __init__(
        self,
        dim: int = 2,
        width: int = 16,
        last_relu: bool = False,
        embedding_bias: bool = True,
        in_channels: int = 1,
        mean: float = MNIST_MEAN,
        std: float = MNIST_STD,
        image_size=(28, 28),
    ):
        super().__init__()
        _check_common(dim, width, std)
        height, wide = (image_size, image_size) if isinstance(image_size, int) else image_size
        self.input_shape = (int(in_channels), int(height), int(wide))  # (C, H, W) of the images it takes
        self.dim, self.width, self.last_relu = dim, width, last_relu
        self.mean, self.std = float(mean), float(std)
        w = width
        self.trunk = nn.Sequential(
            *_conv_block(in_channels, w),
            nn.MaxPool2d(2),
            *_conv_block(w, 2 * w),
            *_conv_block(2 * w, 2 * w),
            nn.MaxPool2d(2),
            *_conv_block(2 * w, 4 * w),
            *_conv_block(4 * w, 4 * w),
            nn.AdaptiveMaxPool2d(3),
            nn.Flatten(),
        )
        self.embedding = nn.Linear(4 * w * 9, dim, bias=embedding_bias)
        self.relu = nn.ReLU() if last_relu else nn.Identity()
        if last_relu:
            _alive_under_relu(self.embedding)

    def forward(self, images):
        x = (prepare_images(images, self.input_shape) - self.mean) / self.std
        return self.relu(self.embedding(self.trunk(x)))  # (B, dim)


class _ResidualUnit(nn.Module):
    """x + two 3×3 convs (BatchNorm + PReLU each): the residual unit of SphereFace-N (Table 2)."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(*_conv_block(channels, channels), *_conv_block(channels, channels))

    def forward(self, x):
        return x + self.body(x)


class SphereFaceNet(nn.Module):
    """SphereFace-N (Table 2): four stages, each a stride-2 3×3 conv then residual units; FC1 = the feature.

    The paper's net has no BatchNorm; this one puts BatchNorm after every conv, which trains
    reliably on small data and on a CPU (say so when comparing with the paper). FC1 has no
    activation after it (Appendix A).

    Args:
        dim: feature size (512 in the paper; 2 or 3 to draw it).
        units: residual units per stage, e.g. ``SPHEREFACE_UNITS["sphereface20"]`` = (1, 2, 4, 1).
        width: channels of the first stage (the paper: 64); the others have 2×, 4×, 8×.
        image_size: (height, width) of the input (the paper: 112×96); fixes FC1's input size.
        in_channels: 3 for RGB, 1 for grey faces.
    """

    def __init__(self, dim: int = 512, units=(0, 1, 2, 0), width: int = 64, image_size=(112, 96),
                 in_channels: int = 3, last_relu: bool = False, embedding_bias: bool = True,
                 feature_bn: bool = False, mean: float = FACE_MEAN, std: float = FACE_STD):
        super().__init__()
        _check_common(dim, width, std)
        height, wide = (image_size, image_size) if isinstance(image_size, int) else image_size
        if height < 16 or wide < 16:
            raise ValueError(f"image_size must be at least 16×16 (four stride-2 stages), got {image_size!r}")
        self.input_shape = (int(in_channels), int(height), int(wide))  # (C, H, W) of the images it takes
        self.dim, self.width, self.last_relu, self.units = dim, width, last_relu, tuple(units)
        self.mean, self.std = float(mean), float(std)
        layers, channels = [], in_channels
        for stage, n_units in enumerate(self.units):
            out = width * 2 ** stage
            layers += [nn.Conv2d(channels, out, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(out),
                       nn.PReLU(out)]
            layers += [_ResidualUnit(out) for _ in range(n_units)]
            channels = out
            height, wide = (height + 1) // 2, (wide + 1) // 2
        self.trunk = nn.Sequential(*layers, nn.Flatten())
        self.embedding = nn.Linear(channels * height * wide, dim, bias=embedding_bias)  # FC1
        # BatchNorm of the feature itself (not in the paper): steadies small-data training
        self.feature_norm = nn.BatchNorm1d(dim) if feature_bn else nn.Identity()
        self.relu = nn.ReLU() if last_relu else nn.Identity()
        if last_relu and not feature_bn:
            _alive_under_relu(self.embedding)

    def forward(self, images):
        x = (prepare_images(images, self.input_shape) - self.mean) / self.std
        return self.relu(self.feature_norm(self.embedding(self.trunk(x))))  # (B, dim)


def make_model(name: str, dim: int, width: int, image_size=(28, 28), in_channels: int = 1,
               last_relu: bool = False, embedding_bias: bool = True, feature_bn: bool = False) -> nn.Module:
    """The model called ``name`` (one of :data:`MODELS`) for images of ``image_size`` and ``in_channels``."""
    if name == "mnist-cnn":
        if feature_bn:
            raise ValueError("feature_bn is an option of the face nets (sphereface*), not of mnist-cnn")
        return EmbeddingNet(dim=dim, width=width, last_relu=last_relu, embedding_bias=embedding_bias,
                            in_channels=in_channels, image_size=image_size)
    if name in SPHEREFACE_UNITS:
        return SphereFaceNet(dim=dim, units=SPHEREFACE_UNITS[name], width=width, image_size=image_size,
                             in_channels=in_channels, last_relu=last_relu, embedding_bias=embedding_bias,
                             feature_bn=feature_bn)
    raise ValueError(f"model must be one of {MODELS}, got {name!r}")
