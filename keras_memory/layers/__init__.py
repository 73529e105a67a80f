"""Public layers of keras_memory."""

from keras_memory.layers.act import ACT
from keras_memory.layers.act_cell import ACTCell
from keras_memory.layers.attention_decoder import AttentionDecoder
from keras_memory.layers.bahdanau_attention import BahdanauAttention
from keras_memory.layers.child_sum_tree_lstm_cell import ChildSumTreeLSTMCell
from keras_memory.layers.clockwork_rnn import ClockworkRNN
from keras_memory.layers.clockwork_rnn_cell import ClockworkRNNCell
from keras_memory.layers.gaussian_location_policy import GaussianLocationPolicy
from keras_memory.layers.glimpse_network import GlimpseNetwork
from keras_memory.layers.hmlstm import HMLSTM
from keras_memory.layers.hmlstm_cell import HMLSTMCell
from keras_memory.layers.luong_attention import LuongAttention
from keras_memory.layers.memory_cell import MemoryCell
from keras_memory.layers.memory_network import MemoryNetwork
from keras_memory.layers.memory_network_response import MemoryNetworkResponse
from keras_memory.layers.memory_rnn import MemoryRNN
from keras_memory.layers.nary_tree_lstm_cell import NaryTreeLSTMCell
from keras_memory.layers.ntm import NTM
from keras_memory.layers.ntm_cell import NTMCell
from keras_memory.layers.previous_state_attention import PreviousStateAttention
from keras_memory.layers.previous_state_attention_cell import PreviousStateAttentionCell
from keras_memory.layers.recurrent_attention_model import RecurrentAttentionModel
from keras_memory.layers.recursive_cell import RecursiveCell
from keras_memory.layers.skip_rnn import SkipRNN
from keras_memory.layers.skip_rnn_cell import SkipRNNCell
from keras_memory.layers.stacked_attention import StackedAttention
from keras_memory.layers.state_bridge import StateBridge
from keras_memory.layers.tree_rnn import TreeRNN
from keras_memory.layers.zoneout_cell import ZoneoutCell

__all__ = [
    "ACT",
    "ACTCell",
    "AttentionDecoder",
    "BahdanauAttention",
    "ChildSumTreeLSTMCell",
    "ClockworkRNN",
    "ClockworkRNNCell",
    "GaussianLocationPolicy",
    "GlimpseNetwork",
    "HMLSTM",
    "HMLSTMCell",
    "LuongAttention",
    "MemoryCell",
    "MemoryNetwork",
    "MemoryNetworkResponse",
    "MemoryRNN",
    "NaryTreeLSTMCell",
    "NTM",
    "NTMCell",
    "PreviousStateAttention",
    "PreviousStateAttentionCell",
    "RecurrentAttentionModel",
    "RecursiveCell",
    "SkipRNN",
    "SkipRNNCell",
    "StackedAttention",
    "StateBridge",
    "TreeRNN",
    "ZoneoutCell",
]
