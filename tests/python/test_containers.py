"""HashableList / HashableDict: immutability, deep copies, content hashing,
stable digests equal to the C++ ones."""
import copy
import pickle
from collections.abc import Mapping, Sequence

import numpy as np
import pytest
import torch

import pixelcache
from PIL import Image

from pixelcache import BoundingBox, HashableDict, HashableImage, HashableList, ImageSize, pseudo_hash


def test_digests_equal_the_cpp_golden_values():
    # tests/cpp/test_value.cpp pins the same structures.
    d = HashableDict({"name": "resize", "size": HashableList([256, 256]), "antialias": True})
    assert d.digest() == "28952ffc687d672b40873ada381841f3"
    # Value(HashableList{...}).digest(): a list held as a value (pseudo_hash's input).
    assert pixelcache._pixelcache.value_digest([1, "a", 2.5, None])[0] == "a77ab74a247b455992b866dbbf79398f"


def test_mixed_dict_digest_equals_the_cpp_one(data):
    # tests/cpp/test_value.cpp: HashableDict.MixedGoldenValueIsSharedWithPython
    d = HashableDict({
        "image": HashableImage(data / "chelsea.png"),
        "box": BoundingBox(1, 2, 3, 4, image_size=ImageSize(10, 11), normalized=False),
        "arr": np.array([1.0, 2.0], np.float32),
        "none": None,
        "alpha": 0.25,
        "steps": ["resize", (256, 256)],
    })
    assert d.digest() == "b994e854b77a3e822f7d62eed52aa191"
    # Key order does not matter; any change of content does.
    assert HashableDict(dict(reversed(list(d.items())))).digest() == d.digest()
    assert HashableDict({**d, "alpha": 0.5}).digest() != d.digest()


def test_protocols_and_immutability():
    hl = HashableList([1, 2, 3])
    hd = HashableDict({"a": 1}, b=2)
    assert isinstance(hl, Sequence) and isinstance(hd, Mapping)
    assert list(hl) == [1, 2, 3] and hl[1] == 2 and hl[1:] == HashableList([2, 3]) and len(hl) == 3
    assert dict(hd) == {"a": 1, "b": 2} and hd["b"] == 2 and "a" in hd
    with pytest.raises(TypeError):
        hl[0] = 5
    with pytest.raises(TypeError):
        hd["a"] = 5
    with pytest.raises(AttributeError):
        hl.append(4)
    assert hl == [1, 2, 3] and hd == {"b": 2, "a": 1}


def test_mutable_leaves_are_deep_copied(chelsea):
    arr = np.zeros(3)
    t = torch.zeros(2)
    pil = chelsea.pil()
    inner = [1, 2]
    hl = HashableList([arr, t, pil, inner, {"k": [arr]}])
    before = hl.digest()
    arr[0], t[0], inner[0] = 1, 1, 9
    pil.putpixel((0, 0), (1, 2, 3))
    assert HashableList([np.zeros(3), torch.zeros(2), chelsea, [1, 2], {"k": [np.zeros(3)]}]).digest() == before
    assert not hl[0].flags.writeable
    assert isinstance(hl[2], Image.Image) and HashableImage(hl[2]) == chelsea  # PIL leaves come back as PIL copies
    hl[2].putpixel((0, 0), (9, 9, 9))
    assert HashableImage(hl[2]) == chelsea
    assert isinstance(hl[3], HashableList) and isinstance(hl[4], HashableDict)


def test_content_hashing():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert HashableList([a]) == HashableList([a.copy()])
    assert HashableList([a]) != HashableList([a.astype(np.float64)])    # dtype is part of the digest
    assert HashableList([a]) != HashableList([a.reshape(3, 2)])         # and so is the shape
    assert HashableList([torch.from_numpy(a)]) == HashableList([a])     # tensors by content
    assert HashableList([1, 2]) != HashableList([2, 1])                  # order matters in lists
    assert HashableDict({"a": 1, "b": 2}) == HashableDict({"b": 2, "a": 1})
    assert hash(HashableDict({"a": 1, "b": 2})) == hash(HashableDict({"b": 2, "a": 1}))
    assert HashableList([1]) != HashableList([1.0]) != HashableList([True])  # distinct cache keys
    box = BoundingBox(1, 2, 3, 4, image_size=ImageSize(10, 10), normalized=False)
    assert HashableList([box]) == HashableList([BoundingBox(1, 2, 3, 4, ImageSize(10, 10), False)])
    assert HashableList([box]) != HashableList([box + 1])


def test_images_by_content_whatever_the_source(chelsea, chelsea_array):
    # PIL leaves become images; an ndarray stays an array (dtype and shape in its digest).
    assert HashableDict({"img": chelsea}) != HashableDict({"img": chelsea_array})
    assert HashableDict({"img": Image.fromarray(chelsea_array)}).digest() == HashableDict({"img": chelsea}).digest()


def test_digest_is_stable_across_processes():
    import subprocess
    import sys

    code = ("from pixelcache import HashableDict, HashableList; import numpy as np;"
            "print(HashableDict({'x': HashableList([np.arange(4), 'y', None])}).digest())")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": str(seed), **__import__("os").environ}).stdout
            for seed in (1, 2)}
    assert len(runs) == 1


def test_pickle_copy_and_keys():
    hd = HashableDict({"a": HashableList([1, np.ones(2)]), "b": BoundingBox(0, 0, 0.5, 0.5, normalized=True)})
    assert pickle.loads(pickle.dumps(hd)) == hd
    assert copy.deepcopy(hd) is hd and copy.copy(hd) is hd
    cache = {hd: 1, HashableList([1]): 2}
    assert cache[HashableDict(dict(hd))] == 1 and cache[HashableList([1])] == 2


def test_pseudo_hash_is_short_and_stable():
    assert pseudo_hash(3) == pseudo_hash(3) and len(pseudo_hash(3)) == 6
    assert pseudo_hash(3) != pseudo_hash(4)
    assert len(pseudo_hash("x", length=12)) == 12
    assert pseudo_hash(HashableList([1, 2])) == pseudo_hash(HashableList([1, 2]))  # any value, by its digest
    assert pseudo_hash(1, length=0) == ""


@pytest.mark.parametrize("bad, exc", [
    (object(), TypeError),
    ({1, 2}, TypeError),
    (np.array(["a", "b"]), TypeError),
    (2**70, ValueError),
])
def test_unhashable_content_is_refused(bad, exc):
    with pytest.raises(exc):
        HashableList([bad]).digest()
