"""Fixtures shared by the application tests."""

import pathlib

import pytest

from keras_memory.applications import memn2n_babi

REAL_BABI = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "babi" / "en-train"


@pytest.fixture(scope="module")
def shipped():
    """The shipped joint MemN2N and its vocabulary, built once per module."""
    return memn2n_babi.MemN2NbAbI(), memn2n_babi.load_vocabulary()


@pytest.fixture(scope="module")
def real_babi():
    """The downloaded bAbI 1k training files, or a skip where they are absent."""
    if not REAL_BABI.is_dir():
        pytest.skip("the real bAbI files are not in ../shared/data/babi/en-train")
    return REAL_BABI

