"""Show, Attend and Tell on captioned shapes (Xu et al., ICML 2015).

- `model`: `ShowAttendTell`, an image encoder (a small CNN or any
  `keras.applications` backbone), the mean annotation's `StateBridge`, a gated
  `AttentionDecoder` (soft, hard or no attention) and the deep output;
  `encode`, `decoding_step` and `generate` caption with the samplers of
  `keras_memory.decoding`.
- `training`: `CaptionTrainer`, Xu et al.'s loss in plain `fit()` (the doubly
  stochastic term, REINFORCE with a moving-average baseline and entropy bonus).
- `serving`: `export_captioner`, a SavedModel from image bytes or a float batch
  to the caption string and its score.
- `evaluation`: exact caption match, BLEU-1 to BLEU-4 (NLTK's
  `corpus_bleu`) and attention correctness, with their table.
"""

from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.model import decoding_step
from keras_memory.applications.captioning.model import encode
from keras_memory.applications.captioning.model import generate
from keras_memory.applications.captioning.model import small_cnn
from keras_memory.applications.captioning.serving import export_captioner
from keras_memory.applications.captioning.training import CaptionTrainer

__all__ = [
    "CaptionTrainer",
    "ShowAttendTell",
    "decoding_step",
    "encode",
    "export_captioner",
    "generate",
    "small_cnn",
]
