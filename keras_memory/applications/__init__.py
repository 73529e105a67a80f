"""Prebuilt models with shipped weights.

Each application is a function returning a functional `keras.Model` with
named inputs and outputs, optionally loaded with weights that the project
trained and ships in `saved_models/` (with their metadata: task, training
budget, measured score). `keras-memory info` lists them.
"""

from keras_memory.applications.captioning import ShowAttendTell
from keras_memory.applications.glimpse import GlimpseClassifier
from keras_memory.applications.memn2n_babi import MemN2NbAbI
from keras_memory.applications.ntm_copy import NTMCopy
from keras_memory.applications.ntm_copy import NTMRepeatCopy
from keras_memory.applications.seq2seq import AttentionSeq2Seq
from keras_memory.applications.seq2seq.date_normalizer import DateNormalizer

__all__ = [
    "AttentionSeq2Seq",
    "DateNormalizer",
    "GlimpseClassifier",
    "MemN2NbAbI",
    "NTMCopy",
    "NTMRepeatCopy",
    "ShowAttendTell",
]
