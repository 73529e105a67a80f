"""Matplotlib figures of what the models learned.

Every function draws a new `matplotlib.figure.Figure` (without pyplot), saves
it when `path` is given, and returns it. One module per layer family.
"""

from keras_memory.viz._figure import figure_to_png
from keras_memory.viz.act import plot_ponder_by_difficulty
from keras_memory.viz.act import plot_ponder_times
from keras_memory.viz.alignment import plot_alignment
from keras_memory.viz.captioning import plot_caption_attention
from keras_memory.viz.captioning import plot_captioner_attention
from keras_memory.viz.clockwork import plot_clockwork
from keras_memory.viz.glimpse import plot_glimpse_locations
from keras_memory.viz.glimpse import plot_glimpse_path
from keras_memory.viz.hmlstm import plot_boundaries
from keras_memory.viz.hops import plot_hops
from keras_memory.viz.memory import MemoryAccess
from keras_memory.viz.memory import find_ntm_layer
from keras_memory.viz.memory import memory_access
from keras_memory.viz.memory import plot_memory_access
from keras_memory.viz.skip_rnn import plot_skip_updates
from keras_memory.viz.trees import plot_accuracy_by_depth

__all__ = [
    "plot_accuracy_by_depth",
    "MemoryAccess",
    "figure_to_png",
    "find_ntm_layer",
    "memory_access",
    "plot_alignment",
    "plot_boundaries",
    "plot_caption_attention",
    "plot_captioner_attention",
    "plot_clockwork",
    "plot_glimpse_locations",
    "plot_glimpse_path",
    "plot_hops",
    "plot_memory_access",
    "plot_ponder_by_difficulty",
    "plot_ponder_times",
    "plot_skip_updates",
]
