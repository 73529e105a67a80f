"""Generated tasks and dataset readers."""

from keras_memory.datasets.adding_problem import TARGET_VARIANCE as ADDING_TARGET_VARIANCE
from keras_memory.datasets.adding_problem import adding_problem
from keras_memory.datasets.adding_problem import adding_problem_dataset
from keras_memory.datasets.sequence_generation import normalized_mse
from keras_memory.datasets.sequence_generation import sequence_generation
from keras_memory.datasets.sequence_generation import waveform

__all__ = [
    "ADDING_TARGET_VARIANCE",
    "adding_problem",
    "adding_problem_dataset",
    "normalized_mse",
    "sequence_generation",
    "waveform",
]
