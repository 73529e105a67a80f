"""Public layers of keras_memory."""

from keras_memory.layers.clockwork_rnn import ClockworkRNN
from keras_memory.layers.clockwork_rnn_cell import ClockworkRNNCell

__all__ = ["ClockworkRNN", "ClockworkRNNCell"]
