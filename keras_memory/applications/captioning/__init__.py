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
- `shapes`, `presets`, `shapes_training`: the shipped captioner of generated
  scenes of coloured shapes, `ShowAttendTellShapes(weights="shapes")`, with
  `caption_images`, its setup and shipped metadata, and `train_on_shapes`.
- `evaluation`: exact caption match, BLEU-1 to BLEU-4 (NLTK's
  `corpus_bleu`) and attention correctness, with their table.
"""

from keras_memory.applications.captioning.model import CoordinateChannels
from keras_memory.applications.captioning.model import ShowAttendTell
from keras_memory.applications.captioning.model import coordinate_cnn
from keras_memory.applications.captioning.model import decoding_step
from keras_memory.applications.captioning.model import encode
from keras_memory.applications.captioning.model import generate
from keras_memory.applications.captioning.model import small_cnn
from keras_memory.applications.captioning.presets import SHAPES_SETUP
from keras_memory.applications.captioning.presets import SHIPPED_WEIGHTS
from keras_memory.applications.captioning.presets import shipped_metadata
from keras_memory.applications.captioning.serving import export_captioner
from keras_memory.applications.captioning.shapes import ShowAttendTellShapes
from keras_memory.applications.captioning.shapes import caption_images
from keras_memory.applications.captioning.shapes_training import train_on_shapes
from keras_memory.applications.captioning.training import CaptionTrainer

__all__ = [
    "SHAPES_SETUP",
    "SHIPPED_WEIGHTS",
    "CaptionTrainer",
    "CoordinateChannels",
    "ShowAttendTell",
    "ShowAttendTellShapes",
    "caption_images",
    "coordinate_cnn",
    "decoding_step",
    "encode",
    "export_captioner",
    "generate",
    "shipped_metadata",
    "small_cnn",
    "train_on_shapes",
]
