"""Fixtures shared by the dataset tests."""

import pathlib

import pytest

# The 20 real bAbI 1k training files, beside the repository (never copied in).
REAL_BABI = pathlib.Path(__file__).resolve().parents[3] / "shared" / "data" / "babi" / "en-train"

# Two stories in the bAbI format: several questions in one story, a
# multi-word answer (task 8's lists) and a path (task 19's directions).
BABI_SNIPPET = """\
1 Mary moved to the bathroom.
2 John went to the hallway.
3 Where is Mary? \tbathroom\t1
4 Daniel went back to the hallway.
5 Where is Daniel? \thallway\t4
6 Mary got the apple there.
7 Mary took the football there.
8 What is Mary carrying?\tapple,football\t6 7
1 The office is east of the hallway.
2 The kitchen is north of the office.
3 How do you go from the kitchen to the hallway?\ts,w\t2 1
"""


@pytest.fixture
def babi_snippet():
    """Handwritten bAbI text: 4 questions in 2 stories."""
    return BABI_SNIPPET


@pytest.fixture
def real_babi():
    """The folder of the real bAbI training files; skips when it is absent."""
    if not REAL_BABI.is_dir():
        pytest.skip(f"{REAL_BABI} is absent")
    return REAL_BABI
