"""bAbI question answering for End-to-End Memory Networks.

The 20 bAbI tasks (Weston et al., 2015) as Sukhbaatar et al. (2015) train
End-to-End Memory Networks on them:

- `reader`: the reader of the standard bAbI text files (`parse_babi`,
  `read_babi_file`, `find_babi_file`, `read_babi_task`), `tokenize` and
  `BabiExample`;
- `vocabulary`: one vocabulary for words and answers (`build_vocabulary`,
  `answer_token`, `check_vocabulary`) and fixed-size integer arrays
  (`vectorize`, `supporting_fact_mask`);
- `loading`: a seeded 90/10 train/validation split of the training files
  (`split_stories`, `task_split_seed`), single task and joint (all 20 tasks)
  loading (`load_babi`, `BabiData`, `BabiArrays`);
- `generator`: a generator of bAbI-style stories for tasks 1, 2, 3 and 15
  that writes the exact file format (`generate_babi_text`,
  `write_babi_files`), so that everything can be run and tested without the
  downloaded data;
- `tfds`: the `BabiQA` TFDS builder (imported on demand, as
  `keras_memory.datasets.babi.tfds` or `keras_memory.datasets.babi_tfds`).

Every name is importable from `keras_memory.datasets.babi` itself.

Reference:
    S. Sukhbaatar, A. Szlam, J. Weston, R. Fergus. *End-To-End Memory
    Networks.* NeurIPS 2015. arXiv:1503.08895.

    J. Weston, A. Bordes, S. Chopra, A. M. Rush, B. van Merrienboer,
    A. Joulin, T. Mikolov. *Towards AI-Complete Question Answering: A Set of
    Prerequisite Toy Tasks.* arXiv:1502.05698, 2015.
"""

from keras_memory.datasets.babi.generator import babi_file_name
from keras_memory.datasets.babi.generator import generate_babi_examples
from keras_memory.datasets.babi.generator import generate_babi_text
from keras_memory.datasets.babi.generator import write_babi_files
from keras_memory.datasets.babi.loading import BabiArrays
from keras_memory.datasets.babi.loading import BabiData
from keras_memory.datasets.babi.loading import load_babi
from keras_memory.datasets.babi.loading import split_stories
from keras_memory.datasets.babi.loading import task_split_seed
from keras_memory.datasets.babi.reader import ALL_TASKS
from keras_memory.datasets.babi.reader import DEFAULT_MEMORY_SIZE
from keras_memory.datasets.babi.reader import GENERATED_TASKS
from keras_memory.datasets.babi.reader import TASK_NAMES
from keras_memory.datasets.babi.reader import BabiExample
from keras_memory.datasets.babi.reader import check_task
from keras_memory.datasets.babi.reader import check_tasks
from keras_memory.datasets.babi.reader import find_babi_file
from keras_memory.datasets.babi.reader import parse_babi
from keras_memory.datasets.babi.reader import read_babi_file
from keras_memory.datasets.babi.reader import read_babi_task
from keras_memory.datasets.babi.reader import tokenize
from keras_memory.datasets.babi.vocabulary import PADDING_ID
from keras_memory.datasets.babi.vocabulary import PADDING_TOKEN
from keras_memory.datasets.babi.vocabulary import UNKNOWN_ID
from keras_memory.datasets.babi.vocabulary import UNKNOWN_TOKEN
from keras_memory.datasets.babi.vocabulary import answer_token
from keras_memory.datasets.babi.vocabulary import build_vocabulary
from keras_memory.datasets.babi.vocabulary import check_vocabulary
from keras_memory.datasets.babi.vocabulary import story_and_sentence_sizes
from keras_memory.datasets.babi.vocabulary import supporting_fact_mask
from keras_memory.datasets.babi.vocabulary import vectorize

__all__ = [
    "ALL_TASKS",
    "BabiArrays",
    "BabiData",
    "BabiExample",
    "DEFAULT_MEMORY_SIZE",
    "GENERATED_TASKS",
    "PADDING_ID",
    "PADDING_TOKEN",
    "TASK_NAMES",
    "UNKNOWN_ID",
    "UNKNOWN_TOKEN",
    "answer_token",
    "babi_file_name",
    "build_vocabulary",
    "check_task",
    "check_tasks",
    "check_vocabulary",
    "find_babi_file",
    "generate_babi_examples",
    "generate_babi_text",
    "load_babi",
    "parse_babi",
    "read_babi_file",
    "read_babi_task",
    "split_stories",
    "story_and_sentence_sizes",
    "supporting_fact_mask",
    "task_split_seed",
    "tokenize",
    "vectorize",
    "write_babi_files",
]
