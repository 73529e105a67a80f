"""Pure `keras.ops` functions shared by the layers (no weights, no state)."""

from keras_memory.ops.addressing import HardRead
from keras_memory.ops.addressing import content_weighting
from keras_memory.ops.addressing import cosine_similarity
from keras_memory.ops.addressing import erase_and_add
from keras_memory.ops.addressing import hard_read
from keras_memory.ops.addressing import interpolate
from keras_memory.ops.addressing import log_probabilities
from keras_memory.ops.addressing import overwrite
from keras_memory.ops.addressing import residual_write
from keras_memory.ops.addressing import sharpen
from keras_memory.ops.addressing import shift
from keras_memory.ops.addressing import soft_read
from keras_memory.ops.attention import masked_softmax
from keras_memory.ops.attention import masked_softmax_with_empty_slots
from keras_memory.ops.attention_regularizers import attention_entropy
from keras_memory.ops.attention_regularizers import doubly_stochastic_penalty
from keras_memory.ops.attention_scores import additive_score
from keras_memory.ops.attention_scores import concat_score
from keras_memory.ops.attention_scores import dot_score
from keras_memory.ops.attention_scores import general_score
from keras_memory.ops.attention_scores import hard_attention
from keras_memory.ops.feature_grid import flatten_feature_grid
from keras_memory.ops.feature_grid import grid_positions
from keras_memory.ops.glimpse import glimpse_patch_boxes
from keras_memory.ops.glimpse import glimpse_sensor
from keras_memory.ops.location_sampling import gumbel_max_locations
from keras_memory.ops.location_sampling import read_location
from keras_memory.ops.position_encoding import centered_position_encoding
from keras_memory.ops.position_encoding import position_encoding
from keras_memory.ops.straight_through import binary_step
from keras_memory.ops.straight_through import hard_sigmoid
from keras_memory.ops.straight_through import straight_through
from keras_memory.ops.straight_through import straight_through_round

__all__ = [
    "attention_entropy",
    "doubly_stochastic_penalty",
    "flatten_feature_grid",
    "grid_positions",
    "glimpse_patch_boxes",
    "glimpse_sensor",
    "gumbel_max_locations",
    "read_location",
    "HardRead",
    "additive_score",
    "binary_step",
    "concat_score",
    "content_weighting",
    "cosine_similarity",
    "dot_score",
    "erase_and_add",
    "general_score",
    "hard_attention",
    "hard_read",
    "hard_sigmoid",
    "interpolate",
    "log_probabilities",
    "masked_softmax",
    "masked_softmax_with_empty_slots",
    "overwrite",
    "position_encoding",
    "centered_position_encoding",
    "residual_write",
    "sharpen",
    "shift",
    "soft_read",
    "straight_through",
    "straight_through_round",
]
