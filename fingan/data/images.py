"""Image data sets for the image GANs: scikit-learn's digits (bundled), MNIST and Fashion-MNIST (IDX files or torchvision).

Images come as float tensors (n, channels, size, size) scaled to [-1, 1] (the range of a
tanh generator) with integer labels (n,).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from fingan.errors import DataError

IMAGE_DATASETS = ("digits", "mnist", "fashion-mnist")
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _resize(images: np.ndarray, size: int | None) -> torch.Tensor:
    """uint8-range images (n, h, w) -> float (n, 1, size, size) in [-1, 1], bilinear resizing."""
    x = torch.as_tensor(images, dtype=torch.float32)[:, None]
    if size is not None and size != x.shape[-1]:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    return x


def as_training_images(images: Any) -> torch.Tensor:
    """Images as float32 (n, channels, size, size), checked: square, size a power of 2 >= 8, values in [-1, 1]."""
    x = torch.as_tensor(np.asarray(images), dtype=torch.float32)
    if x.dim() != 4 or x.shape[-1] != x.shape[-2]:
        raise DataError(f"images must have shape (n, channels, size, size), got {tuple(x.shape)}")
    size = x.shape[-1]
    if size < 8 or size & (size - 1):
        raise DataError(f"image size must be a power of 2, at least 8 (resize with load_images(size=...)), got {size}")
    if x.min() < -1.0001 or x.max() > 1.0001:
        raise DataError("images must be scaled to [-1, 1] (the range of the tanh generator)")
    return x


def load_digits(size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's 1797 handwritten digits (8x8, values 0-16), resized to ``size`` and scaled to [-1, 1]."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x = _resize(bunch.images / 16.0, size) * 2 - 1
    return x.clamp(-1, 1), torch.as_tensor(bunch.target, dtype=torch.long)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST format, optionally gzipped) into a numpy array.

    Written here because the format is a 4-byte magic number, big-endian dimensions and raw
    bytes, and torchvision (which reads it) is an optional dependency.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file")
    n_dims = data[3]
    dims = np.frombuffer(data, dtype=">u4", count=n_dims, offset=4).astype(int)
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims)
    if body.size != int(np.prod(dims)):
        raise DataError(f"{path} is truncated: expected {int(np.prod(dims))} values, found {body.size}")
    return body.reshape(dims)


# torchvision keeps the IDX files in <root>/<class name>/raw
_TORCHVISION_CLASSES = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}


def _find(folder: Path, stem: str) -> Path | None:
    subfolders = [folder, folder / "raw", *(folder / name / "raw" for name in _TORCHVISION_CLASSES.values())]
    for sub in subfolders:
        for candidate in (sub / stem, sub / f"{stem}.gz"):
            if candidate.is_file():
                return candidate
    return None


def _from_torchvision(name: str, folder: Path, split: str, download: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Images and labels through torchvision's data set class, or None when torchvision is not installed."""
    try:
        from torchvision import datasets
    except ImportError:
        return None
    dataset_class = getattr(datasets, _TORCHVISION_CLASSES[name])
    try:
        dataset = dataset_class(str(folder), train=split == "train", download=download)
    except (RuntimeError, OSError) as exc:
        hint = "" if download else "; pass download=True (--download) to fetch it, which needs network access"
        raise DataError(f"torchvision could not load {name} from {folder}: {exc}{hint}. "
                        "dataset='digits' is bundled and works offline") from None
    return np.asarray(dataset.data), np.asarray(dataset.targets)


def load_idx_dataset(
    folder: str | os.PathLike,
    split: str = "train",
    size: int | None = None,
    name: str = "mnist",
    download: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST-format images and labels from ``folder``.

    The four standard IDX files (plain or .gz) are looked for in ``folder``, its ``raw/``
    and torchvision's ``MNIST/raw`` or ``FashionMNIST/raw``. When they are not there and
    torchvision is installed, its data set class ``name`` loads them (and with
    ``download=True`` fetches them, which needs network access).
    """
    if split not in _IDX_FILES:
        raise DataError(f"split must be 'train' or 'test', not {split!r}")
    folder = Path(folder)
    images_stem, labels_stem = _IDX_FILES[split]
    images_path, labels_path = _find(folder, images_stem), _find(folder, labels_stem)
    if images_path is not None and labels_path is not None:
        images, labels = read_idx(images_path), read_idx(labels_path)
        source = f"{images_path} and {labels_path}"
    else:
        arrays = _from_torchvision(name, folder, split, download)
        if arrays is None:
            raise DataError(
                f"no {images_stem}[.gz] and {labels_stem}[.gz] in {folder}: put the IDX files of MNIST or "
                "Fashion-MNIST into that folder (no network is used), or install torchvision and pass "
                "download=True (--download), or use dataset='digits', which is bundled"
            )
        images, labels = arrays
        source = f"torchvision's {name} in {folder}"
    if images.ndim != 3 or labels.shape != (len(images),):
        raise DataError(f"{source} do not hold matching images and labels")
    x = _resize(images / 255.0, size) * 2 - 1
    return x.clamp(-1, 1), torch.as_tensor(labels.astype(np.int64))


def load_images(
    name: str = "digits",
    size: int | None = None,
    root: str | os.PathLike | None = None,
    split: str = "train",
    download: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (n, 1, size, size) in [-1, 1] and labels (n,) of a named data set.

    ``"digits"`` is bundled with scikit-learn (default size 16). ``"mnist"`` and
    ``"fashion-mnist"`` are read from the IDX files in ``root`` (default
    ``~/.cache/fingan/<name>``; default size 28), or through torchvision when it is
    installed (:func:`load_idx_dataset`; ``download=True`` lets torchvision fetch them).
    """
    if name not in IMAGE_DATASETS:
        raise DataError(f"unknown image data set {name!r}; choose one of {', '.join(IMAGE_DATASETS)}")
    if size is not None and not 4 <= size <= 128:
        raise DataError(f"size must be between 4 and 128, got {size}")
    if name == "digits":
        return load_digits(size or 16)
    folder = Path(root) if root is not None else Path.home() / ".cache" / "fingan" / name
    return load_idx_dataset(folder, split, size, name=name, download=download)
