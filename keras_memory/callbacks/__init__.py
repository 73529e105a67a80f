"""Training callbacks for keras_memory layers, one per module.

- `SlopeAnnealing` (`slope_annealing.py`): the HM-LSTM's slope annealing.
- `LinearStart` (`linear_start.py`): MemN2N's linear start.
- `MemoryAccessImages` (`memory_access_images.py`): TensorBoard images of an
  NTM's memory access.
- `find_layers(model, layer_class)` (`find_layers.py`): the layers they act
  on, found anywhere in a model.
"""

from keras_memory.callbacks.find_layers import find_layers
from keras_memory.callbacks.linear_start import LinearStart
from keras_memory.callbacks.memory_access_images import MemoryAccessImages
from keras_memory.callbacks.slope_annealing import PAPER_SLOPE_MAX
from keras_memory.callbacks.slope_annealing import PAPER_SLOPE_START
from keras_memory.callbacks.slope_annealing import PAPER_SLOPE_STEP
from keras_memory.callbacks.slope_annealing import SlopeAnnealing
from keras_memory.callbacks.slope_annealing import paper_slope_schedule

__all__ = [
    "LinearStart",
    "MemoryAccessImages",
    "PAPER_SLOPE_MAX",
    "PAPER_SLOPE_START",
    "PAPER_SLOPE_STEP",
    "SlopeAnnealing",
    "find_layers",
    "paper_slope_schedule",
]
