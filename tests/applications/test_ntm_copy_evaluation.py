"""The shipped copy NTM, measured: bit errors per length and its metadata."""

import numpy as np

from keras_memory.applications import NTMCopy
from keras_memory.applications import ntm_copy


def test_shipped_weights_copy_lengths_1_to_20():
    model = NTMCopy(weights="copy")
    errors = ntm_copy.evaluate_copy(model, sequences_per_length=64, seed=11)
    assert sorted(errors) == list(range(1, 21))
    assert np.mean(list(errors.values())) < 0.1, errors
    untrained = ntm_copy.evaluate_copy(NTMCopy(weights=None), lengths=[5], seed=11)
    assert untrained[5] > 10 * max(errors[5], 0.1)  # about half of the 40 bits


def test_shipped_metadata_describes_the_training():
    metadata = ntm_copy.shipped_metadata("copy")
    assert metadata["task"] == "copy"
    assert metadata["sequences"] > 0
    assert metadata["mean_bit_errors"] < 0.1
    assert metadata["architecture"]["memory_size"] == 128
