"""The attention encoder-decoder family (Bahdanau et al. 2015, Luong et al. 2015).

- `model`: `AttentionSeq2Seq`, a bidirectional encoder, a `StateBridge` and an
  `AttentionDecoder` (or no attention, the baseline), as a functional model;
  `encode`, `decoding_step` and `generate` decode it with the samplers of
  `keras_memory.decoding`.
"""

from keras_memory.applications.seq2seq.model import AttentionSeq2Seq
from keras_memory.applications.seq2seq.model import decoding_step
from keras_memory.applications.seq2seq.model import encode
from keras_memory.applications.seq2seq.model import generate

__all__ = ["AttentionSeq2Seq", "decoding_step", "encode", "generate"]
