"""Generated tasks and dataset readers.

`algorithmic` (the NTM tasks) and `babi` are packages. The TFDS builders of
the algorithmic tasks live in `keras_memory.datasets.algorithmic.tfds`
(also importable as `keras_memory.datasets.algorithmic_tfds`), imported on
demand (importing tensorflow_datasets is slow); the bAbI TFDS builder
likewise lives in `keras_memory.datasets.babi.tfds` (or
`keras_memory.datasets.babi_tfds`).

The sequence-to-sequence tasks: `dates` (date normalisation in English,
French and German, a package; its TFDS builder in
`keras_memory.datasets.dates.tfds`), `digit_tasks` (digit reversal and
sorting) and `text` (the character vocabulary and the teacher-forcing
pipeline; its in-graph tokenizer in `keras_memory.datasets.text_graph`).
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
from keras_memory.datasets.dates import (
    DateExamples,
    date_normalization,
    date_split,
    date_vocabulary,
)
from keras_memory.datasets.digit_tasks import digit_reversal, digit_sorting, digit_vocabulary
from keras_memory.datasets.hierarchical_text import (
    boundary_scores,
    hierarchical_text,
    language_model_windows,
)
from keras_memory.datasets.sequence_generation import normalized_mse, sequence_generation, waveform
from keras_memory.datasets.shapes_vqa import shapes_vqa
from keras_memory.datasets.text import (
    CharacterVocabulary,
    seq2seq_dataset,
    teacher_forcing_arrays,
)

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
    "CharacterVocabulary",
    "DateExamples",
    "date_normalization",
    "date_split",
    "date_vocabulary",
    "digit_reversal",
    "digit_sorting",
    "digit_vocabulary",
    "seq2seq_dataset",
    "teacher_forcing_arrays",
]
