"""The Neural Turing Machine's algorithmic tasks (Graves et al., 2014).

Four generated tasks of section 4 of the paper, all on random binary
vectors: copy, repeat copy, associative recall and priority sort. Each task
has

- a NumPy generator (`copy_task`, ...) returning float32
  `(inputs, targets, sample_weights)`, deterministic given its seed;
- an endless, seeded `tf.data` pipeline (`copy_dataset`, ...) whose batch
  `i` is the generator's batch for seed `(seed, i)`, with an optional
  curriculum (`Curriculum`) that raises the task's size as training goes on.

Every sequence is laid out in time as "present, then answer": the inputs
carry the data and the delimiters, then all-zero steps during which the
model answers; the targets are zero except on the answer steps, and
`sample_weights` `(batch, steps)` is 1 exactly on the steps that are scored
(the answer steps) and 0 elsewhere. All sequences of one batch share the
same sizes (one sequence length `L` per batch, one number of repeats, one
number of items), drawn anew for every batch, so a batch needs no padding
and every example has the exact layout; the paper trains with one sequence
per update, which is the same thing with `batch_size=1`.

The cost reported in the paper is the number of wrongly predicted bits per
sequence: `bit_errors_per_sequence` (NumPy) and `BitErrorsPerSequence`
(a `keras.metrics.Metric`).

Exact channel layouts, by task, are in the docstrings below and on the docs
page `docs/datasets/algorithmic.md`.

Reference:
    A. Graves, G. Wayne, I. Danihelka. *Neural Turing Machines.*
    arXiv:1410.5401, 2014.
"""

from keras_memory.datasets.algorithmic.metrics import BitErrorsPerSequence
from keras_memory.datasets.algorithmic.metrics import bit_errors_per_sequence
from keras_memory.datasets.algorithmic.pipelines import Curriculum
from keras_memory.datasets.algorithmic.pipelines import associative_recall_dataset
from keras_memory.datasets.algorithmic.pipelines import copy_dataset
from keras_memory.datasets.algorithmic.pipelines import pad_to_bucket
from keras_memory.datasets.algorithmic.pipelines import priority_sort_dataset
from keras_memory.datasets.algorithmic.pipelines import repeat_copy_dataset
from keras_memory.datasets.algorithmic.pipelines import step_buckets
from keras_memory.datasets.algorithmic.tasks import ASSOCIATIVE_RECALL_ITEM_LENGTH
from keras_memory.datasets.algorithmic.tasks import ASSOCIATIVE_RECALL_MAX_ITEMS
from keras_memory.datasets.algorithmic.tasks import ASSOCIATIVE_RECALL_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import COPY_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import PRIORITY_SORT_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import REPEAT_COPY_NUM_BITS
from keras_memory.datasets.algorithmic.tasks import REPEATS_MEAN
from keras_memory.datasets.algorithmic.tasks import REPEATS_STD
from keras_memory.datasets.algorithmic.tasks import associative_recall_task
from keras_memory.datasets.algorithmic.tasks import copy_task
from keras_memory.datasets.algorithmic.tasks import normalize_repeats
from keras_memory.datasets.algorithmic.tasks import priority_sort_task
from keras_memory.datasets.algorithmic.tasks import repeat_copy_task

__all__ = [
    "ASSOCIATIVE_RECALL_ITEM_LENGTH",
    "ASSOCIATIVE_RECALL_MAX_ITEMS",
    "ASSOCIATIVE_RECALL_NUM_BITS",
    "BitErrorsPerSequence",
    "COPY_NUM_BITS",
    "Curriculum",
    "PRIORITY_SORT_NUM_BITS",
    "REPEATS_MEAN",
    "REPEATS_STD",
    "REPEAT_COPY_NUM_BITS",
    "associative_recall_dataset",
    "associative_recall_task",
    "bit_errors_per_sequence",
    "copy_dataset",
    "copy_task",
    "normalize_repeats",
    "pad_to_bucket",
    "priority_sort_dataset",
    "priority_sort_task",
    "repeat_copy_dataset",
    "step_buckets",
    "repeat_copy_task",
]
