"""pixelcache.data.ImageFolder: torchvision's ImageFolder layout, classes and
attributes over pixelcache's ImageDataset."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from ._dataset import AugmentSpec, ImageDataset, Steps

#: torchvision's IMG_EXTENSIONS: the files ImageFolder takes (case-insensitive).
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename: str, extensions: Union[str, Tuple[str, ...]]) -> bool:
    """True when `filename` ends with one of `extensions` (lowercase), as torchvision's."""
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def find_classes(directory: Union[str, "os.PathLike[str]"]) -> Tuple[List[str], Dict[str, int]]:
    """The class folders of `directory`: every subdirectory (hidden ones
    too), sorted by name, and their indices — torchvision's find_classes.
    FileNotFoundError when there is none."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {cls_name: i for i, cls_name in enumerate(classes)}


def make_dataset(directory: Union[str, "os.PathLike[str]"], class_to_idx: Optional[Dict[str, int]] = None,
                 extensions: Optional[Union[str, Tuple[str, ...]]] = None,
                 is_valid_file: Optional[Callable[[str], bool]] = None,
                 allow_empty: bool = False) -> List[Tuple[str, int]]:
    """(path, class index) of every valid file below each class folder
    (nested folders included, links followed), in torchvision's order:
    classes by name, then os.walk's folders sorted, files sorted. A file is
    valid by its extension, or by `is_valid_file` (exactly one of the two).
    FileNotFoundError for a class without a valid file unless
    `allow_empty` (torchvision >= 0.17's meaning)."""
    directory = os.path.expanduser(os.fspath(directory))
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    elif not class_to_idx:
        raise ValueError("'class_to_index' must have at least one entry to collect any samples.")
    both_none = extensions is None and is_valid_file is None
    both_something = extensions is not None and is_valid_file is not None
    if both_none or both_something:
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        exts = extensions

        def is_valid_file(x: str) -> bool:
            return has_file_allowed_extension(x, exts)

    assert is_valid_file is not None
    instances = []
    available_classes = set()
    for target_class in sorted(class_to_idx.keys()):
        class_index = class_to_idx[target_class]
        target_dir = os.path.join(directory, target_class)
        if not os.path.isdir(target_dir):
            continue
        for root, _, fnames in sorted(os.walk(target_dir, followlinks=True)):
            for fname in sorted(fnames):
                path = os.path.join(root, fname)
                if is_valid_file(path):
                    instances.append((path, class_index))
                    available_classes.add(target_class)
    empty_classes = set(class_to_idx.keys()) - available_classes
    if empty_classes and not allow_empty:
        msg = f"Found no valid file for the classes {', '.join(sorted(empty_classes))}. "
        if extensions is not None:
            msg += f"Supported extensions are: {extensions if isinstance(extensions, str) else ', '.join(extensions)}"
        raise FileNotFoundError(msg)
    return instances


class ImageFolder(ImageDataset):
    """torchvision's ImageFolder over pixelcache: ``root/<class>/**/<image>``,
    with torchvision's class order and attributes — ``classes`` (sorted
    folder names), ``class_to_idx``, ``samples`` / ``imgs`` ((path, class
    index) pairs), ``targets``, ``root``, ``extensions`` and the overridable
    ``find_classes`` / ``make_dataset`` — and ImageDataset's decoding,
    transform, cache, augment and output (see ImageDataset; items are
    ``(x, class index)``).

        train = ImageFolder("imagenet/train", "resize_min_size:256,modulo=1",
                            augment="random_resized_crop:224 random_flip", cache=pixelcache.Cache(),
                            mean=IMAGENET_MEAN, std=IMAGENET_STD)

    Files are taken by torchvision's IMG_EXTENSIONS (case-insensitive), or by
    ``is_valid_file(path)`` instead. A class folder without a valid file is a
    FileNotFoundError unless ``allow_empty=True`` (it keeps its index). There
    is no ``loader`` / ``transform`` callable: decoding and the steps are
    pixelcache's (a callable goes in ``augment``).
    """

    root: Any
    classes: List[str]
    class_to_idx: Dict[str, int]
    extensions: Optional[Tuple[str, ...]]
    imgs: list[Any]

    def __init__(self, root: Union[str, "os.PathLike[str]"], transform: Steps = None, *, augment: AugmentSpec = None,
                 cache: Any = None, output: str = "tensor", dtype: str = "float32", mean: Any = None, std: Any = None,
                 seed: int = 0, is_valid_file: Optional[Callable[[str], bool]] = None, allow_empty: bool = False,
                 **kwargs: Any) -> None:
        directory: Union[str, "os.PathLike[str]"] = os.path.expanduser(root) if isinstance(root, str) else root
        self.root = directory  # kept as torchvision keeps it (a str with ~ expanded, or the PathLike)
        classes, class_to_idx = self.find_classes(directory)
        self.extensions = IMG_EXTENSIONS if is_valid_file is None else None
        samples = self.make_dataset(directory, class_to_idx, self.extensions, is_valid_file, allow_empty=allow_empty)
        self.classes, self.class_to_idx = classes, class_to_idx
        super().__init__(samples, transform, augment=augment, cache=cache, output=output, dtype=dtype, mean=mean,
                         std=std, seed=seed, **kwargs)
        self.imgs = self.samples

    @staticmethod
    def make_dataset(directory: Union[str, "os.PathLike[str]"], class_to_idx: Dict[str, int],
                     extensions: Optional[Tuple[str, ...]] = None,
                     is_valid_file: Optional[Callable[[str], bool]] = None,
                     allow_empty: bool = False) -> List[Tuple[str, int]]:
        """The (path, class index) samples (see the module's make_dataset);
        override to list files another way."""
        if class_to_idx is None:
            raise ValueError("The class_to_idx parameter cannot be None.")
        return make_dataset(directory, class_to_idx, extensions=extensions, is_valid_file=is_valid_file,
                            allow_empty=allow_empty)

    def find_classes(self, directory: Union[str, "os.PathLike[str]"]) -> Tuple[List[str], Dict[str, int]]:
        """The classes and their indices (the module's find_classes);
        override to choose other classes."""
        return find_classes(directory)
