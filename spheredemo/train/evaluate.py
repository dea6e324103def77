"""Features and accuracy of a model on a whole image set, in eval mode (the model's mode is restored)."""

from __future__ import annotations

import torch

from spheredemo.data import ImageSet

__all__ = ["embed", "evaluate"]


@torch.no_grad()
def embed(model, images: ImageSet, batch_size: int = 1024, device=None, flip: bool = False) -> torch.Tensor:
    """The (N, D) embeddings of a whole set, in eval mode (the model's mode is restored).

    ``flip``: the paper's face feature [f(x); f(flipped x)], (N, 2D).
    """
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()

    def features(x):
        return torch.cat([model(x), model(x.flip(-1))], dim=1) if flip else model(x)

    try:
        chunks = [features(images.batch(slice(i, i + batch_size), device)[0]).float().cpu()
                  for i in range(0, len(images), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(chunks)


@torch.no_grad()
def evaluate(model, head, images: ImageSet, batch_size: int = 1024) -> float:
    """Accuracy by the head's margin-free rule (plain cosines); never runs an optimiser step."""
    device = next(head.parameters()).device
    features = embed(model, images, batch_size, device).to(device)
    return float((head.predict(features).cpu() == images.labels).float().mean())
