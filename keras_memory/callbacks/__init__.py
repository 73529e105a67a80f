"""Training callbacks for keras_memory layers, one per module.

- `BackupAndResume` (`backup_and_resume.py`): `keras.callbacks.BackupAndRestore`
  that also restores seed generators and callbacks' state (`backup_epoch`,
  `add_backup`).
- `SlopeAnnealing` (`slope_annealing.py`): the HM-LSTM's slope annealing.
- `LinearStart` (`linear_start.py`): MemN2N's linear start.
- `MemoryAccessImages` (`memory_access_images.py`): TensorBoard images of an
  NTM's memory access.
- `find_layers(model, layer_class)` (`find_layers.py`): the layers they act
  on, found anywhere in a model.
"""

from keras_memory.callbacks.backup_and_resume import BackupAndResume
from keras_memory.callbacks.backup_and_resume import add_backup
from keras_memory.callbacks.backup_and_resume import backup_epoch
from keras_memory.callbacks.find_layers import find_layers
from keras_memory.callbacks.linear_start import LinearStart
from keras_memory.callbacks.memory_access_images import MemoryAccessImages
from keras_memory.callbacks.slope_annealing import PAPER_SLOPE_MAX
from keras_memory.callbacks.slope_annealing import PAPER_SLOPE_START
from keras_memory.callbacks.slope_annealing import PAPER_SLOPE_STEP
from keras_memory.callbacks.slope_annealing import SlopeAnnealing
from keras_memory.callbacks.slope_annealing import paper_slope_schedule

__all__ = [
    "BackupAndResume",
    "LinearStart",
    "MemoryAccessImages",
    "PAPER_SLOPE_MAX",
    "PAPER_SLOPE_START",
    "PAPER_SLOPE_STEP",
    "SlopeAnnealing",
    "add_backup",
    "backup_epoch",
    "find_layers",
    "paper_slope_schedule",
]
