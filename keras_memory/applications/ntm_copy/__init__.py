"""The Neural Turing Machine of the copy task, with shipped weights.

The paper's copy setup (Graves, Wayne and Danihelka 2014, section 4.1 and
table 2): an LSTM controller of 100 units, a memory of N = 128 locations of
width M = 20, one read and one write head, trained with RMSProp (learning
rate 1e-4, momentum 0.9) and gradients clipped to [-10, 10], on sequences of
1 to 20 random 8-bit vectors. The memory starts at the constant 1e-6
(Collier and Beel 2018).

The family, one module per job: `model` (`NTMCopy`, `NTMRepeatCopy`,
`transplant_copy_weights`), `presets` (the shipped `"copy"` weights and
their metadata), `training` (`compile_for_copy`, `CopyProgress`,
`train_copy`) and `evaluation` (`evaluate_copy`). Every name is importable
from `keras_memory.applications.ntm_copy`.
"""

from keras_memory.applications.ntm_copy.evaluation import evaluate_copy
from keras_memory.applications.ntm_copy.model import CONTROLLER_UNITS
from keras_memory.applications.ntm_copy.model import INPUT_CHANNELS
from keras_memory.applications.ntm_copy.model import MEMORY_SIZE
from keras_memory.applications.ntm_copy.model import MEMORY_WIDTH
from keras_memory.applications.ntm_copy.model import OUTPUT_CHANNELS
from keras_memory.applications.ntm_copy.model import NTMCopy
from keras_memory.applications.ntm_copy.model import NTMRepeatCopy
from keras_memory.applications.ntm_copy.model import transplant_copy_weights
from keras_memory.applications.ntm_copy.presets import METADATA_FILE
from keras_memory.applications.ntm_copy.presets import SHIPPED_WEIGHTS
from keras_memory.applications.ntm_copy.presets import shipped_metadata
from keras_memory.applications.ntm_copy.presets import shipped_weights_path
from keras_memory.applications.ntm_copy.training import COPY_BUCKETS
from keras_memory.applications.ntm_copy.training import GRADIENT_CLIP
from keras_memory.applications.ntm_copy.training import LEARNING_RATE
from keras_memory.applications.ntm_copy.training import MOMENTUM
from keras_memory.applications.ntm_copy.training import CopyProgress
from keras_memory.applications.ntm_copy.training import compile_for_copy
from keras_memory.applications.ntm_copy.training import save_weights_atomically
from keras_memory.applications.ntm_copy.training import train_copy

__all__ = [
    "COPY_BUCKETS",
    "CONTROLLER_UNITS",
    "GRADIENT_CLIP",
    "INPUT_CHANNELS",
    "LEARNING_RATE",
    "MEMORY_SIZE",
    "MEMORY_WIDTH",
    "METADATA_FILE",
    "MOMENTUM",
    "OUTPUT_CHANNELS",
    "SHIPPED_WEIGHTS",
    "CopyProgress",
    "NTMCopy",
    "NTMRepeatCopy",
    "compile_for_copy",
    "evaluate_copy",
    "save_weights_atomically",
    "shipped_metadata",
    "shipped_weights_path",
    "train_copy",
    "transplant_copy_weights",
]
