"""The original's helper modules (pixelcache.tools.*), for code that imports
them directly: image (conversions, read_image, save_image, grids), mask
(mask2bbox and friends), bbox, cache, text, draw, keypoints, utils. Pixel
work runs in the C++ core, as for HashableImage."""
