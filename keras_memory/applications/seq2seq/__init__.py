"""The attention encoder-decoder family (Bahdanau et al. 2015, Luong et al. 2015).

- `model`: `AttentionSeq2Seq`, a bidirectional encoder, a `StateBridge` and an
  `AttentionDecoder` (or no attention, the baseline), as a functional model;
  `encode`, `decoding_step` and `generate` decode it with the samplers of
  `keras_memory.decoding`.
- `date_normalizer`: `DateNormalizer`, text in (dates in English, French and
  German), ISO 8601 out, with the shipped weights `"dates"`.
- `presets`, `training`, `evaluation`: the shipped weights and their metadata,
  the training procedure and the exact-match evaluation per language and
  format.
- `serving`: `export_translator`, a SavedModel that takes strings and returns
  the decoded strings and scores (beam search in the served graph).
"""

from keras_memory.applications.seq2seq.date_normalizer import DateNormalizer
from keras_memory.applications.seq2seq.evaluation import evaluate_dates
from keras_memory.applications.seq2seq.model import AttentionSeq2Seq
from keras_memory.applications.seq2seq.model import decoding_step
from keras_memory.applications.seq2seq.model import encode
from keras_memory.applications.seq2seq.model import generate
from keras_memory.applications.seq2seq.presets import shipped_metadata
from keras_memory.applications.seq2seq.serving import export_translator
from keras_memory.applications.seq2seq.serving import translate_texts
from keras_memory.applications.seq2seq.training import compile_for_dates
from keras_memory.applications.seq2seq.training import train_dates

__all__ = [
    "AttentionSeq2Seq",
    "DateNormalizer",
    "compile_for_dates",
    "decoding_step",
    "encode",
    "evaluate_dates",
    "export_translator",
    "generate",
    "shipped_metadata",
    "train_dates",
    "translate_texts",
]
