"""Small CNN trunks that end in a low-dimensional embedding (2D or 3D for the paper's figures).

BatchNorm + PReLU in the trunk make 2D/3D heads train reliably; the embedding layer has no
ReLU after it (Appendix A, Fig. 8) unless ``last_relu=True`` is asked for, and its bias can
be dropped (Appendix C). Inputs are float images in [0, 1] of shape (B, 1, H, W); the
normalisation to zero mean and unit variance happens inside the model.
"""

from __future__ import annotations

from torch import nn

__all__ = ["EmbeddingNet", "MNIST_MEAN", "MNIST_STD"]

MNIST_MEAN = 0.1307  # mean pixel of the MNIST training set, images scaled to [0, 1]
MNIST_STD = 0.3081  # its standard deviation


def _conv_block(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.PReLU(c_out)]


class EmbeddingNet(nn.Module):
    """Conv trunk (three stages, each halving the image) + a linear embedding of size ``dim``.

    Args:
        dim: embedding size, >= 2 (2 and 3 are the ones that can be drawn).
        width: channels of the first stage; later stages use 2× and 4× this.
        last_relu: put a ReLU after the embedding (the design the paper warns against).
        embedding_bias: give the embedding layer a bias.
        in_channels: image channels (1 for MNIST and the grey face sets).
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
    ):
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 2:
            raise ValueError(f"dim (the embedding size) must be an integer >= 2, got {dim!r}")
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise ValueError(f"width must be a positive integer, got {width!r}")
        if not std > 0:
            raise ValueError(f"std must be > 0, got {std!r}")
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

    def forward(self, images):
        if images.ndim != 4:
            raise ValueError(f"images must have shape (B, C, H, W), got {tuple(images.shape)}")
        x = (images - self.mean) / self.std
        return self.relu(self.embedding(self.trunk(x)))  # (B, dim)
