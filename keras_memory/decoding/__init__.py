"""Decoding strategies shared by every decoder: greedy and beam search.

A sampler is called with a `next_fn(tokens, state, index) -> (log_probs,
new_state, attention)` step function and the decoder's initial state; see
`Sampler` for the contract and `docs/decoding.md` for the guide.
"""

from keras_memory.decoding.beam_search import BeamSearch
from keras_memory.decoding.beam_search import gnmt_coverage_penalty
from keras_memory.decoding.beam_search import gnmt_length_penalty
from keras_memory.decoding.sampler import GreedySampler
from keras_memory.decoding.sampler import Sampler
from keras_memory.decoding.sampler import tile_beams

__all__ = [
    "BeamSearch",
    "GreedySampler",
    "Sampler",
    "gnmt_coverage_penalty",
    "gnmt_length_penalty",
    "tile_beams",
]
