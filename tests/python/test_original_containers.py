"""The Python original's API: HashableDict and HashableList, with the original's
argument names, read protection, repr, repetition, slices and errors; and
one list of member types shared by the containers and the digest."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import pixelcache
from pixelcache import (BoundingBox, HashableDict, HashableImage, HashableList, ImageCrop, ImageSize, Points)


def test_constructors_take_data():
    assert list(HashableList(data=[1, 2])) == [1, 2]
    assert dict(HashableDict(data={"a": 1})) == {"a": 1}


def test_immutable_no_mutators():
    hl, hd = HashableList([1]), HashableDict({"a": 1})
    for name in ("__setitem__", "__delitem__", "insert", "append"):
        assert not hasattr(hl, name) and not hasattr(hd, name)


def test_nested_plain_containers_are_wrapped_and_unwrapped():
    hd = HashableDict({"a": [1, {"b": [2]}], "t": (1, [2])})
    assert isinstance(hd["a"], HashableList) and isinstance(hd["a"][1], HashableDict)
    assert hd["t"] == (1, HashableList([2]))  # tuples stay tuples (their members are frozen)
    plain = hd.to_dict()
    assert plain == {"a": [1, {"b": [2]}], "t": (1, HashableList([2]))}
    assert type(plain["a"]) is list and type(plain["a"][1]) is dict
    assert HashableList([[1], {"k": 2}]).to_list() == [[1], {"k": 2}]


def test_leaves_are_protected():
    arr, t, pil = np.arange(3), torch.zeros(2), Image.new("RGB", (2, 2))
    hl = HashableList([arr, t, pil])
    a = hl[0]
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a.setflags(write=True)  # a view of a read-only copy cannot be made writeable
    hl[1].fill_(5)
    assert float(hl[1].sum()) == 0  # tensors are handed out as clones
    hl[2].putpixel((0, 0), (1, 2, 3))
    assert hl[2].getpixel((0, 0)) == (0, 0, 0)  # PIL images as copies
    arr[0] = 9
    assert hl[0][0] == 0  # and copied in
    assert not HashableDict({"a": arr}).to_dict()["a"].flags.writeable


def test_hash_equality_and_digest():
    a = HashableDict({"x": 1, "y": [1, 2]})
    b = HashableDict({"y": [1, 2], "x": 1})
    assert a == b and hash(a) == hash(b) and a.digest() == b.digest()  # key order does not matter
    assert HashableList([1, 2]) != HashableList([2, 1])                  # list order does
    assert HashableList([1, 2]).__eq__(object()) is NotImplemented


def test_getitem_slices_and_missing_keys():
    hl = HashableList([1, 2, 3, 4])
    assert isinstance(hl[1:3], HashableList) and list(hl[1:3]) == [2, 3]
    with pytest.raises(KeyError, match="Key z not found in HashableDict"):
        HashableDict({"a": 1})["z"]
    assert HashableDict({"a": 1}).get("z", 5) == 5 and "a" in HashableDict({"a": 1})


def test_copy_repr_and_repetition():
    hl, hd = HashableList([1, 2]), HashableDict({"a": 1})
    assert hl.copy() == hl and hl.copy() is not hl and hd.copy() == hd and hd.copy() is not hd
    assert repr(hl) == "HashableList: [1, 2]" and repr(hd) == "HashableDict: {'a': 1}"
    assert list(hl * 3) == [1, 2, 1, 2, 1, 2] and isinstance(hl * 3, HashableList)
    assert list(hd.keys()) == ["a"]


# One list: every member type a container accepts has a digest, and what the
# digest refuses the container refuses at construction.
MEMBERS = [
    None, True, 3, 2.5, "s", b"bytes", np.arange(4, dtype=np.int16), torch.ones(2), np.float32(1.5),
    Image.new("L", (3, 2), 7), HashableImage(np.zeros((2, 2), np.uint8)), ImageSize(2, 3),
    BoundingBox(0, 0, 1, 1, image_size=ImageSize(2, 2), normalized=False),
    Points(np.array([[0.5, 1.0]]), is_normalized=False, image_size=ImageSize(4, 4)),
    ImageCrop(left=0, top=0, right=2, bottom=2), (1, "a"), [1, [2]], {"k": [1]},
    HashableList([1]), HashableDict({"k": 1}),
]


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: type(m).__name__)
def test_every_accepted_member_has_a_stable_digest(member):
    hl = HashableList([member])
    assert len(hl.digest()) == 32 and isinstance(hash(hl), int)
    assert HashableList([member]).digest() == hl.digest()
    assert HashableDict({"m": member}).digest() == HashableDict({"m": member}).digest()


@pytest.mark.parametrize("bad", [object(), {1, 2}, np.array(["a"]), bytearray(b"x")], ids=repr)
def test_refused_members_fail_at_construction(bad):
    with pytest.raises(pixelcache.InvalidType) as info:
        HashableList([bad])
    assert isinstance(info.value, TypeError)


def test_points_and_crops_hash_by_value():
    p = Points(np.array([[1.0, 2.0]]), is_normalized=False, image_size=ImageSize(4, 4))
    q = Points(np.array([[1.0, 2.0]]), is_normalized=False, image_size=ImageSize(4, 4))
    assert HashableList([p]) == HashableList([q]) and hash(HashableList([p])) == hash(HashableList([q]))
    moved = Points(np.array([[1.0, 3.0]]), is_normalized=False, image_size=ImageSize(4, 4))
    assert HashableList([p]) != HashableList([moved])
    assert HashableList([ImageCrop(left=0, top=0, right=1, bottom=1)]) != \
        HashableList([ImageCrop(left=0, top=0, right=1, bottom=0.5)])


def test_golden_digests_are_unchanged(data):
    # The values pinned in tests/cpp/test_value.cpp; tuples hash as lists.
    d = HashableDict({"name": "resize", "size": HashableList([256, 256]), "antialias": True})
    assert d.digest() == "28952ffc687d672b40873ada381841f3"
