"""Pure `keras.ops` functions shared by the layers (no weights, no state)."""

from keras_memory.ops.straight_through import binary_step
from keras_memory.ops.straight_through import hard_sigmoid
from keras_memory.ops.straight_through import straight_through_round

__all__ = ["binary_step", "hard_sigmoid", "straight_through_round"]
