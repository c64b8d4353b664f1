"""pixelcache.data: images for a PyTorch training loop, decoded, transformed,
cached, augmented and normalised by pixelcache's C++ core.

    from pixelcache import Cache
    from pixelcache.data import IMAGENET_MEAN, IMAGENET_STD, ImageFolder, Loader

    train = ImageFolder("train", "resize_min_size:256,modulo=1", augment="random_resized_crop:224 random_flip",
                        cache=Cache("/data/cache"), mean=IMAGENET_MEAN, std=IMAGENET_STD)
    loader = Loader(train, batch_size=32, shuffle=True)        # C++ threads, no worker processes
    for epoch in range(90):
        loader.set_epoch(epoch)
        for x, y in loader:                                    # x (32, 3, 224, 224) float32, y int64
            ...

- ImageDataset(samples, transform, ...): paths or (path, target) pairs.
- ImageFolder(root, transform, ...): torchvision's ImageFolder layout and
  attributes.
- Loader(dataset, batch_size, ...): batches made by C++ threads in this
  process; or use the datasets with torch.utils.data.DataLoader.
- collate: default_collate that also stacks HashableImage.

The transform (steps in the CLI's grammar) runs at most once per (file
content, steps, version) when a pixelcache.Cache is given: the cache fills
itself during the first epoch, keyed by content, shared by processes and
machines. See doc/python.md, "pixelcache.data: feeding PyTorch".
"""
from ._collate import collate, collate_images
from ._dataset import IMAGENET_MEAN, IMAGENET_STD, ImageDataset
from ._folder import IMG_EXTENSIONS, ImageFolder, find_classes, has_file_allowed_extension, make_dataset
from ._loader import Loader, SkippedSampleWarning

__all__ = ["ImageDataset", "ImageFolder", "Loader", "collate", "collate_images", "IMG_EXTENSIONS", "IMAGENET_MEAN",
           "IMAGENET_STD", "find_classes", "has_file_allowed_extension", "make_dataset", "SkippedSampleWarning"]
