"""Generated tasks and dataset readers.

`algorithmic` (the NTM tasks) and `babi` are packages. The TFDS builders of
the algorithmic tasks live in `keras_memory.datasets.algorithmic.tfds`
(also importable as `keras_memory.datasets.algorithmic_tfds`), imported on
demand (importing tensorflow_datasets is slow); the bAbI TFDS builder
likewise lives in `keras_memory.datasets.babi.tfds` (or
`keras_memory.datasets.babi_tfds`).
"""

from keras_memory.datasets.adding_problem import TARGET_VARIANCE as ADDING_TARGET_VARIANCE
from keras_memory.datasets.adding_problem import adding_problem, adding_problem_dataset
from keras_memory.datasets.algorithmic import (
    BitErrorsPerSequence,
    Curriculum,
    associative_recall_dataset,
    associative_recall_task,
    bit_errors_per_sequence,
    copy_dataset,
    copy_task,
    normalize_repeats,
    priority_sort_dataset,
    priority_sort_task,
    repeat_copy_dataset,
    repeat_copy_task,
)
from keras_memory.datasets.babi import (
    BabiArrays,
    BabiData,
    BabiExample,
    answer_token,
    build_vocabulary,
    find_babi_file,
    generate_babi_examples,
    generate_babi_text,
    load_babi,
    parse_babi,
    read_babi_file,
    read_babi_task,
    split_stories,
    supporting_fact_mask,
    tokenize,
    vectorize,
    write_babi_files,
)
from keras_memory.datasets.hierarchical_text import (
    boundary_scores,
    hierarchical_text,
    language_model_windows,
)
from keras_memory.datasets.sequence_generation import normalized_mse, sequence_generation, waveform
from keras_memory.datasets.shapes_vqa import shapes_vqa

__all__ = [
    "ADDING_TARGET_VARIANCE",
    "BitErrorsPerSequence",
    "Curriculum",
    "associative_recall_dataset",
    "associative_recall_task",
    "bit_errors_per_sequence",
    "copy_dataset",
    "copy_task",
    "normalize_repeats",
    "priority_sort_dataset",
    "priority_sort_task",
    "repeat_copy_dataset",
    "repeat_copy_task",
    "BabiArrays",
    "BabiData",
    "BabiExample",
    "answer_token",
    "build_vocabulary",
    "find_babi_file",
    "generate_babi_examples",
    "generate_babi_text",
    "load_babi",
    "parse_babi",
    "read_babi_file",
    "read_babi_task",
    "split_stories",
    "supporting_fact_mask",
    "tokenize",
    "vectorize",
    "write_babi_files",
    "adding_problem",
    "adding_problem_dataset",
    "boundary_scores",
    "hierarchical_text",
    "language_model_windows",
    "normalized_mse",
    "sequence_generation",
    "shapes_vqa",
    "waveform",
]
