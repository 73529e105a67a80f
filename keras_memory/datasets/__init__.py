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
from keras_memory.datasets.adding_problem import adding_problem
from keras_memory.datasets.adding_problem import adding_problem_dataset
from keras_memory.datasets.algorithmic import BitErrorsPerSequence
from keras_memory.datasets.algorithmic import Curriculum
from keras_memory.datasets.algorithmic import associative_recall_dataset
from keras_memory.datasets.algorithmic import associative_recall_task
from keras_memory.datasets.algorithmic import bit_errors_per_sequence
from keras_memory.datasets.algorithmic import copy_dataset
from keras_memory.datasets.algorithmic import copy_task
from keras_memory.datasets.algorithmic import normalize_repeats
from keras_memory.datasets.algorithmic import pad_to_bucket
from keras_memory.datasets.algorithmic import priority_sort_dataset
from keras_memory.datasets.algorithmic import priority_sort_task
from keras_memory.datasets.algorithmic import repeat_copy_dataset
from keras_memory.datasets.algorithmic import repeat_copy_task
from keras_memory.datasets.algorithmic import step_buckets
from keras_memory.datasets.babi import BabiArrays
from keras_memory.datasets.babi import BabiData
from keras_memory.datasets.babi import BabiExample
from keras_memory.datasets.babi import answer_token
from keras_memory.datasets.babi import build_vocabulary
from keras_memory.datasets.babi import find_babi_file
from keras_memory.datasets.babi import generate_babi_examples
from keras_memory.datasets.babi import generate_babi_text
from keras_memory.datasets.babi import load_babi
from keras_memory.datasets.babi import parse_babi
from keras_memory.datasets.babi import read_babi_file
from keras_memory.datasets.babi import read_babi_task
from keras_memory.datasets.babi import split_stories
from keras_memory.datasets.babi import supporting_fact_mask
from keras_memory.datasets.babi import tokenize
from keras_memory.datasets.babi import vectorize
from keras_memory.datasets.babi import write_babi_files
from keras_memory.datasets.captioned_shapes import captioned_shapes
from keras_memory.datasets.captioned_shapes import captioned_shapes_dataset
from keras_memory.datasets.dates import DateExamples
from keras_memory.datasets.dates import date_normalization
from keras_memory.datasets.dates import date_split
from keras_memory.datasets.dates import date_vocabulary
from keras_memory.datasets.digit_tasks import digit_reversal
from keras_memory.datasets.digit_tasks import digit_sorting
from keras_memory.datasets.digit_tasks import digit_vocabulary
from keras_memory.datasets.expression_trees import ExpressionTrees
from keras_memory.datasets.expression_trees import expression_trees
from keras_memory.datasets.hierarchical_text import boundary_scores
from keras_memory.datasets.hierarchical_text import hierarchical_text
from keras_memory.datasets.hierarchical_text import language_model_windows
from keras_memory.datasets.mnist import DigitCanvases
from keras_memory.datasets.mnist import cluttered_mnist
from keras_memory.datasets.mnist import load_mnist_directory
from keras_memory.datasets.mnist import translated_mnist
from keras_memory.datasets.pondering_tasks import addition
from keras_memory.datasets.pondering_tasks import addition_dataset
from keras_memory.datasets.pondering_tasks import parity
from keras_memory.datasets.pondering_tasks import parity_dataset
from keras_memory.datasets.sequence_generation import normalized_mse
from keras_memory.datasets.sequence_generation import sequence_generation
from keras_memory.datasets.sequence_generation import waveform
from keras_memory.datasets.shapes_vqa import shapes_vqa
from keras_memory.datasets.shuffled_arrays import shuffled_array_batches
from keras_memory.datasets.shuffled_arrays import shuffled_steps
from keras_memory.datasets.text import CharacterVocabulary
from keras_memory.datasets.text import seq2seq_dataset
from keras_memory.datasets.text import teacher_forcing_arrays
from keras_memory.datasets.trees import TreeArrays
from keras_memory.datasets.trees import build_tree_vocabulary
from keras_memory.datasets.trees import parse_bracketed
from keras_memory.datasets.trees import tree_arrays

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
    "pad_to_bucket",
    "priority_sort_dataset",
    "priority_sort_task",
    "repeat_copy_dataset",
    "repeat_copy_task",
    "step_buckets",
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
    "ExpressionTrees",
    "TreeArrays",
    "build_tree_vocabulary",
    "expression_trees",
    "parse_bracketed",
    "tree_arrays",
    "addition",
    "addition_dataset",
    "parity",
    "parity_dataset",
    "normalized_mse",
    "sequence_generation",
    "shapes_vqa",
    "shuffled_array_batches",
    "shuffled_steps",
    "captioned_shapes",
    "captioned_shapes_dataset",
    "DigitCanvases",
    "cluttered_mnist",
    "load_mnist_directory",
    "translated_mnist",
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
