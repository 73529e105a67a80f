"""The shipped weights give the outputs recorded before the applications moved.

Values recorded on 2026-12-01 from the single-module applications
(`memn2n_babi.py`, `ntm_copy.py`; the MemN2N ones recorded again on
2026-12-04 with the retrained bAbI weights), on fixed seeded inputs: a restructure
that changes how the weights load, or what the models compute, fails here.
"""

import numpy as np
import pytest
from testing_utils import to_numpy

from keras_memory.applications import NTMCopy
from keras_memory.applications import NTMRepeatCopy
from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.applications.memn2n_babi import babi_models
from keras_memory.applications.memn2n_babi import load_vocabulary

ATOL = 1e-6


def _ntm_inputs(channels):
    """Two copy sequences of 6 random 8-bit vectors, a delimiter, 6 blanks."""
    rng = np.random.default_rng(20261201)
    length = 6
    inputs = np.zeros((2, 2 * length + 1, channels), "float32")
    inputs[:, :length, :8] = rng.integers(0, 2, (2, length, 8))
    inputs[:, length, 8] = 1.0
    if channels == 10:  # the repeat-copy count on the delimiter step
        inputs[:, length, 9] = 0.5
    return inputs


def _babi_inputs(vocab_size):
    """Two stories of random word ids with padding words and sentences."""
    rng = np.random.default_rng(7)
    story = rng.integers(2, vocab_size, (2, 6, 5)).astype("int32")
    story[:, :, 4] = 0
    story[0, 5] = 0
    story[1, 4:] = 0
    question = rng.integers(2, vocab_size, (2, 4)).astype("int32")
    question[:, 3] = 0
    return story, question


# Bits 0 and 1 of the last 6 steps (the copy) of sequence 0, then 2 of sequence 1.
NTM_COPY_LAST_STEPS = [
    0.0005681390757672489, 0.9963640570640564, 0.9979061484336853, 0.9999620318412781,
    0.00012335972860455513, 0.0005013216868974268, 0.001692204619757831,
    2.4745837436057627e-05,
]
# Bit 0 of sequence 1 on steps 7 to 12.
NTM_COPY_BIT0 = [
    0.015838028863072395, 0.9311294555664062, 0.9999710321426392,
    0.00012984723434783518, 0.9999866485595703, 0.999949038028717,
]
NTM_COPY_MEAN = 0.4474271237850189

# {model: (top-3 answer ids per example, their probabilities)}; "joint" is
# MemN2NbAbI(weights="babi-en-1k"), the numbers the per-task models.
JOINT = (
    [[17, 54, 18], [105, 172, 104]],
    [0.7671911120414734, 0.07034564763307571, 0.04464695602655411,
     0.07921094447374344, 0.03729509189724922, 0.02702808566391468],
)
MEMN2N_TOP3 = {
    "joint": JOINT,
    8: (
        [[54, 11, 56], [66, 14, 54]],
        [0.15438427031040192, 0.02968706749379635, 0.016514118760824203,
         0.010406965389847755, 0.009657165966928005, 0.009299471974372864],
    ),
}


def _top3(probabilities):
    top = np.argsort(-probabilities, axis=-1)[:, :3]
    return top.tolist(), np.take_along_axis(probabilities, top, -1).reshape(-1)


def test_ntm_copy_outputs_are_the_recorded_ones():
    outputs = to_numpy(NTMCopy(weights="copy")(_ntm_inputs(9)))
    assert outputs.shape == (2, 13, 8)
    np.testing.assert_allclose(
        outputs[:, -6:, :2].reshape(-1)[:8], NTM_COPY_LAST_STEPS, atol=ATOL
    )
    np.testing.assert_allclose(outputs[1, 7:, 0], NTM_COPY_BIT0, atol=ATOL)
    assert float(outputs.mean()) == pytest.approx(NTM_COPY_MEAN, abs=ATOL)


def test_ntm_repeat_copy_transplant_gives_the_recorded_bits():
    # The repeat channel's row starts at zero: the eight bits are the copy's.
    outputs = to_numpy(NTMRepeatCopy(weights="copy")(_ntm_inputs(10)))
    assert outputs.shape == (2, 13, 9)
    np.testing.assert_allclose(
        outputs[:, -6:, :2].reshape(-1)[:8], NTM_COPY_LAST_STEPS, atol=ATOL
    )
    np.testing.assert_allclose(outputs[1, 7:, 0], NTM_COPY_BIT0, atol=ATOL)


def test_memn2n_joint_outputs_are_the_recorded_ones():
    story, question = _babi_inputs(len(load_vocabulary()))
    ids, probabilities = _top3(to_numpy(MemN2NbAbI(weights="babi-en-1k")([story, question])))
    assert ids == JOINT[0]
    np.testing.assert_allclose(probabilities, JOINT[1], atol=ATOL)


def test_every_shipped_babi_model_gives_the_recorded_outputs():
    story, question = _babi_inputs(len(load_vocabulary()))
    models = babi_models()
    assert sorted(models) == list(range(1, 21))
    joint = models[1]
    per_task = sorted(task for task, model in models.items() if model is not joint)
    assert per_task == [8]
    for task, model in models.items():
        expected = MEMN2N_TOP3[task if task in per_task else "joint"]
        ids, probabilities = _top3(to_numpy(model([story, question])))
        assert ids == expected[0], task
        np.testing.assert_allclose(probabilities, expected[1], atol=ATOL, err_msg=str(task))
