"""The Python original's API: pseudo_hash with the
original's test vectors, seed_everything per its text, the logging adapter.
(display_string is tested with the grid and text work.)"""
from __future__ import annotations

import logging
import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch

import pixelcache
from pixelcache import DEFAULT_VERBOSITY, LoggingRich, get_logger, pseudo_hash, seed_everything

VECTORS = [(0, "yWAcqG", "yWAcqGFzYt"), (1, "iKZWeq", "iKZWeqhFWC"), (2, "dffxkV", "dffxkVZQtq"),
           (42, "OhbVrp", "OhbVrpoiVg"), (12345, "AUaZtx", "AUaZtxmrKB"), (-1, "iKZWeq", "iKZWeqhFWC"),
           (2**40, "gwQeBd", "gwQeBdyzOJ")]


@pytest.mark.parametrize("idx, six, ten", VECTORS)
def test_pseudo_hash_test_vectors(idx, six, ten):
    assert pseudo_hash(idx) == six and pseudo_hash(idx, length=10) == ten and pseudo_hash(idx, 10) == ten


def test_pseudo_hash_leaves_the_global_random_state_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    pseudo_hash(123)
    assert random.random() == expected  # the original reseeded the global generator


def test_pseudo_hash_is_the_same_in_another_process():
    code = "from pixelcache import pseudo_hash; print(pseudo_hash(42), pseudo_hash('name'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONHASHSEED": "7"}).stdout.split()
    assert out == [pseudo_hash(42), pseudo_hash("name")]


def test_seed_everything_seeds_every_generator_and_returns_the_seed(monkeypatch):
    monkeypatch.delenv("PL_GLOBAL_SEED", raising=False)
    assert seed_everything(7, verbose=False) == 7
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    seed_everything(7, verbose=False)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    assert os.environ["PL_GLOBAL_SEED"] == "7" and os.environ["PL_SEED_WORKERS"] == "0"
    seed_everything(7, workers=True, verbose=False, cuda_deterministic=False)
    assert os.environ["PL_SEED_WORKERS"] == "1"


def test_seed_everything_defaults_from_the_environment(monkeypatch):
    monkeypatch.setenv("PL_GLOBAL_SEED", "123")
    assert seed_everything(verbose=False) == 123
    monkeypatch.setenv("PL_GLOBAL_SEED", "not a number")
    assert seed_everything(verbose=False) == 0
    monkeypatch.delenv("PL_GLOBAL_SEED")
    assert seed_everything(verbose=False) == 0
    assert seed_everything(2**32, verbose=False) == 0 and seed_everything(-1, verbose=False) == 0  # out of range


def test_seed_everything_logs_when_verbose(caplog):
    with caplog.at_level(logging.INFO, logger="pixelcache"):
        seed_everything(3)
        seed_everything(4, verbose=False)
    assert [r.getMessage() for r in caplog.records] == ["Seed set to 3"]


def test_logging_adapter(caplog):
    logger = get_logger("pixelcache.test", verbosity=DEFAULT_VERBOSITY)
    assert isinstance(logger, LoggingRich) and logger.logger is logging.getLogger("pixelcache.test")
    assert DEFAULT_VERBOSITY == logging.INFO
    with caplog.at_level(logging.DEBUG, logger="pixelcache.test"):
        logger.log("grid saved to %s", "x.png", stack_offset=2)  # klogr style: message first
        logger.debug("d")
        logger.warning("w")
        logger.error("e")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "grid saved to x.png"), (logging.DEBUG, "d"), (logging.WARNING, "w"), (logging.ERROR, "e")]
    assert caplog.records[0].funcName == "test_logging_adapter"  # the caller's frame, not the adapter's


def test_version_and_exports():
    assert pixelcache.__version__ == "0.1.0"
    assert issubclass(pixelcache.InvalidType, TypeError) and issubclass(pixelcache.InvalidType, pixelcache.Error)
