"""Generated tasks and dataset readers."""

from keras_memory.datasets.sequence_generation import normalized_mse
from keras_memory.datasets.sequence_generation import sequence_generation
from keras_memory.datasets.sequence_generation import waveform

__all__ = ["normalized_mse", "sequence_generation", "waveform"]
