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

from keras_memory.datasets.babi.generator import (
    babi_file_name,
    generate_babi_examples,
    generate_babi_text,
    write_babi_files,
)
from keras_memory.datasets.babi.loading import (
    BabiArrays,
    BabiData,
    load_babi,
    split_stories,
    task_split_seed,
)
from keras_memory.datasets.babi.reader import (
    ALL_TASKS,
    DEFAULT_MEMORY_SIZE,
    GENERATED_TASKS,
    TASK_NAMES,
    BabiExample,
    check_task,
    check_tasks,
    find_babi_file,
    parse_babi,
    read_babi_file,
    read_babi_task,
    tokenize,
)
from keras_memory.datasets.babi.vocabulary import (
    PADDING_ID,
    PADDING_TOKEN,
    UNKNOWN_ID,
    UNKNOWN_TOKEN,
    answer_token,
    build_vocabulary,
    check_vocabulary,
    story_and_sentence_sizes,
    supporting_fact_mask,
    vectorize,
)

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
