"""End-to-End Memory Networks answering bAbI questions, with shipped weights.

The paper's best bAbI setup (Sukhbaatar, Szlam, Weston and Fergus 2015,
sections 4.1 and 4.2, "PE LS RN"): position encoding (PE) of the words,
temporal encoding of the sentences, linear start (LS), random noise (RN:
10% empty memories in training), three hops with adjacent weight tying
and a memory of the 50 most recent sentences; the training procedure is
described once, in `training`.

Word ids follow `keras_memory.datasets.babi`: 0 is padding, 1 stands for
unknown words, and the answers share the vocabulary (the multi-word answers
of tasks 8 and 19 are single entries such as `"apple,football"`).

The family, one module per job:

- `model`: `MemN2NbAbI` (`weights="babi-en-1k"` is the joint model) and
  `memory_network_layer`;
- `presets`: the shipped weights in `saved_models/memn2n_babi/` with their
  vocabulary and metadata (measured errors, and the paper's table 1 numbers:
  `paper_errors`), the per-task models (`per_task_weights`, `babi_models`:
  per-task where they beat the joint model on validation, joint elsewhere);
- `training`: `compile_for_babi`, the paper's learning-rate schedule
  (`paper_setup`, `paper_learning_rate`, `PaperSchedule`), bucketed `tf.data` and
  `train_babi`;
- `evaluation`: `evaluate_babi`, `task_errors`, `summarize_errors`,
  `format_error_table`;
- `serving`: text in, text out (`text_answer_model`,
  `export_babi_for_serving`, `predict_text_in_fresh_process`).

Every name is importable from `keras_memory.applications.memn2n_babi`.
"""

from keras_memory.applications.memn2n_babi.evaluation import FAILED_ERROR
from keras_memory.applications.memn2n_babi.evaluation import SPLITS
from keras_memory.applications.memn2n_babi.evaluation import error_table
from keras_memory.applications.memn2n_babi.evaluation import evaluate_babi
from keras_memory.applications.memn2n_babi.evaluation import find_task_files
from keras_memory.applications.memn2n_babi.evaluation import format_error_table
from keras_memory.applications.memn2n_babi.evaluation import summarize_errors
from keras_memory.applications.memn2n_babi.evaluation import task_errors
from keras_memory.applications.memn2n_babi.model import ATTEND_EMPTY_SLOTS
from keras_memory.applications.memn2n_babi.model import EMBEDDING_DIM
from keras_memory.applications.memn2n_babi.model import ENCODING
from keras_memory.applications.memn2n_babi.model import HOPS
from keras_memory.applications.memn2n_babi.model import MEMORY_SIZE
from keras_memory.applications.memn2n_babi.model import PER_TASK_EMBEDDING_DIM
from keras_memory.applications.memn2n_babi.model import RANDOM_NOISE
from keras_memory.applications.memn2n_babi.model import SENTENCE_SIZE
from keras_memory.applications.memn2n_babi.model import MemN2NbAbI
from keras_memory.applications.memn2n_babi.model import memory_network_layer
from keras_memory.applications.memn2n_babi.model import model_vocab_size
from keras_memory.applications.memn2n_babi.presets import METADATA_FILE
from keras_memory.applications.memn2n_babi.presets import PAPER_SETUPS
from keras_memory.applications.memn2n_babi.presets import SHIPPED_WEIGHTS
from keras_memory.applications.memn2n_babi.presets import VOCABULARY_FILE
from keras_memory.applications.memn2n_babi.presets import babi_models
from keras_memory.applications.memn2n_babi.presets import load_vocabulary
from keras_memory.applications.memn2n_babi.presets import paper_errors
from keras_memory.applications.memn2n_babi.presets import per_task_weights
from keras_memory.applications.memn2n_babi.presets import read_vocabulary
from keras_memory.applications.memn2n_babi.presets import recorded_training
from keras_memory.applications.memn2n_babi.presets import save_vocabulary
from keras_memory.applications.memn2n_babi.presets import shipped_metadata
from keras_memory.applications.memn2n_babi.presets import shipped_weights_path
from keras_memory.applications.memn2n_babi.presets import vocabulary_tokens
from keras_memory.applications.memn2n_babi.presets import write_preset
from keras_memory.applications.memn2n_babi.serving import export_babi_for_serving
from keras_memory.applications.memn2n_babi.serving import predict_text_in_fresh_process
from keras_memory.applications.memn2n_babi.serving import text_answer_model
from keras_memory.applications.memn2n_babi.training import BATCH_SIZE
from keras_memory.applications.memn2n_babi.training import BUCKET_SENTENCES
from keras_memory.applications.memn2n_babi.training import CLIPNORM
from keras_memory.applications.memn2n_babi.training import JOINT_EPOCHS
from keras_memory.applications.memn2n_babi.training import JOINT_HALVING_EPOCHS
from keras_memory.applications.memn2n_babi.training import JOINT_LINEAR_START_EPOCHS
from keras_memory.applications.memn2n_babi.training import LEARNING_RATE
from keras_memory.applications.memn2n_babi.training import LINEAR_START_LEARNING_RATE
from keras_memory.applications.memn2n_babi.training import PER_TASK_EPOCHS
from keras_memory.applications.memn2n_babi.training import PER_TASK_HALVING_EPOCHS
from keras_memory.applications.memn2n_babi.training import PER_TASK_LINEAR_START_EPOCHS
from keras_memory.applications.memn2n_babi.training import PaperSchedule
from keras_memory.applications.memn2n_babi.training import PaperSetup
from keras_memory.applications.memn2n_babi.training import bucketed_dataset
from keras_memory.applications.memn2n_babi.training import bucketed_steps
from keras_memory.applications.memn2n_babi.training import compile_for_babi
from keras_memory.applications.memn2n_babi.training import memory_network_optimizer
from keras_memory.applications.memn2n_babi.training import paper_learning_rate
from keras_memory.applications.memn2n_babi.training import paper_setup
from keras_memory.applications.memn2n_babi.training import train_babi
from keras_memory.applications.memn2n_babi.training import train_babi_runs


def __getattr__(name):
    # `PAPER_ERRORS` ({setup: {task: error %}}) is read from the shipped
    # metadata when asked for: the paper's numbers are written there only.
    if name == "PAPER_ERRORS":
        return {setup: paper_errors(setup)["errors"] for setup in PAPER_SETUPS}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BATCH_SIZE",
    "BUCKET_SENTENCES",
    "CLIPNORM",
    "ATTEND_EMPTY_SLOTS",
    "EMBEDDING_DIM",
    "ENCODING",
    "FAILED_ERROR",
    "HOPS",
    "JOINT_EPOCHS",
    "JOINT_HALVING_EPOCHS",
    "JOINT_LINEAR_START_EPOCHS",
    "LEARNING_RATE",
    "LINEAR_START_LEARNING_RATE",
    "MEMORY_SIZE",
    "METADATA_FILE",
    "PAPER_SETUPS",
    "PER_TASK_EMBEDDING_DIM",
    "PER_TASK_EPOCHS",
    "PER_TASK_HALVING_EPOCHS",
    "PER_TASK_LINEAR_START_EPOCHS",
    "RANDOM_NOISE",
    "SENTENCE_SIZE",
    "SHIPPED_WEIGHTS",
    "SPLITS",
    "VOCABULARY_FILE",
    "MemN2NbAbI",
    "PaperSchedule",
    "PaperSetup",
    "babi_models",
    "bucketed_dataset",
    "bucketed_steps",
    "compile_for_babi",
    "error_table",
    "evaluate_babi",
    "export_babi_for_serving",
    "find_task_files",
    "format_error_table",
    "load_vocabulary",
    "memory_network_layer",
    "memory_network_optimizer",
    "model_vocab_size",
    "paper_errors",
    "paper_learning_rate",
    "paper_setup",
    "per_task_weights",
    "predict_text_in_fresh_process",
    "read_vocabulary",
    "recorded_training",
    "save_vocabulary",
    "shipped_metadata",
    "shipped_weights_path",
    "summarize_errors",
    "task_errors",
    "text_answer_model",
    "train_babi",
    "train_babi_runs",
    "vocabulary_tokens",
    "write_preset",
]
