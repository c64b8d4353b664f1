"""torch.Tensor in and out: shapes, dtypes, exact k/255 round trips, views,
devices and bad tensors."""
import numpy as np
import pytest
import torch

from pixelcache import HashableImage


def test_float_tensor_of_k_over_255_has_the_png_digest(chelsea, chelsea_array):
    t = torch.from_numpy(chelsea_array).permute(2, 0, 1)[None].float() / 255
    img = HashableImage(t)
    assert img.mode == "torch" and img.dtype() == "RGB" and not img.is_float()
    assert img.digest() == chelsea.digest() and img == chelsea
    assert HashableImage(t.double()) == chelsea  # float64 k/255 too
    assert HashableImage(t[0]) == chelsea        # (c, h, w) accepted


def test_tensor_accessor_shape_dtype_and_values(chelsea, chelsea_array):
    t = chelsea.tensor()
    assert t.shape == (1, 3, 300, 451) and t.dtype == torch.float32 and t.is_contiguous()
    expected = torch.from_numpy(chelsea_array).permute(2, 0, 1)[None].float() / 255
    assert torch.equal(t, expected)  # exact, not approximate
    gray = chelsea.to_gray().tensor()
    assert gray.shape == (1, 1, 300, 451)
    mask = chelsea.to_binary(0.5).tensor()
    assert mask.dtype == torch.bool and mask.shape == (1, 1, 300, 451)
    assert torch.equal(mask[0, 0], torch.from_numpy(chelsea.to_binary(0.5).numpy()))


def test_non_exact_float_tensor_keeps_float_storage():
    t = torch.linspace(0, 1, 2 * 3 * 5).reshape(1, 3, 2, 5)
    img = HashableImage(t)
    assert img.is_float() and img.dtype() == "RGB"
    assert torch.equal(img.tensor(), t)  # exact round trip of float32 samples
    view = img.tensor_view()
    assert view.shape == (1, 3, 2, 5) and torch.equal(view, t)
    assert view.data_ptr() == img.tensor_view().data_ptr()  # both views share the storage
    assert img.raw_view().data_ptr() == view.data_ptr()


def test_bool_mask_tensor_in_and_view():
    m = torch.zeros(1, 1, 4, 6, dtype=torch.bool)
    m[0, 0, 1:3, 2:5] = True
    img = HashableImage(m)
    assert img.is_binary() and img.numpy().sum() == 6
    v = img.tensor_view()
    assert v.dtype == torch.bool and torch.equal(v, m)
    assert v.data_ptr() == img.tensor_view().data_ptr()


def test_tensor_copy_is_independent(chelsea):
    t = chelsea.tensor()
    t.zero_()
    assert chelsea.tensor().sum() > 0
    img = HashableImage(torch.ones(1, 1, 2, 2))
    src = torch.ones(1, 1, 2, 2)
    img2 = HashableImage(src)
    src.zero_()  # the input was copied in
    assert img2 == img and img2.max() == 1.0  # statistics of torch images in [0, 1], as the original


def test_raw_returns_the_input_kind(chelsea):
    img = HashableImage(chelsea.tensor())
    assert isinstance(img.raw(), torch.Tensor) and img.raw().shape == (1, 3, 300, 451)
    assert isinstance(HashableImage(chelsea.numpy()).raw(), np.ndarray)
    assert isinstance(chelsea.raw(), torch.Tensor)  # paths load as the original's torch storage
    assert img.resize((10, 20)).mode == "torch"  # operations keep the kind


def test_tensor_requiring_grad_is_detached():
    t = torch.full((1, 1, 3, 3), 0.5, requires_grad=True)
    assert HashableImage(t).is_float()


@pytest.mark.parametrize("bad, exc, what", [
    (torch.zeros(2, 3, 4, 4), ValueError, "batch"),
    (torch.zeros(1, 2, 4, 4), ValueError, "channels"),
    (torch.zeros(1, 3, 4, 4, dtype=torch.bool), ValueError, "masks"),
    (torch.zeros(1, 1, 4, 4, dtype=torch.int64), TypeError, "dtype"),
    (torch.full((1, 1, 2, 2), 1.5), ValueError, "within"),
    (torch.full((1, 1, 2, 2), float("nan")), ValueError, "finite"),
    (torch.zeros(1, 1, 1, 1, 4), ValueError, "shape"),
    (torch.zeros(1, 3, 0, 4), ValueError, ""),
])
def test_bad_tensors_name_what_was_expected(bad, exc, what):
    with pytest.raises(exc, match=what):
        HashableImage(bad)
