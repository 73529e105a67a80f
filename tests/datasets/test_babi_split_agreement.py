"""One validation split: `load_babi`, the TFDS builder and `evaluate_babi`.

All three hold out the stories of each training file with
`babi.task_split_seed(seed, task)`; here they must hold out the same
questions, in the same order, for a seed and a fraction that are not the
defaults.
"""

import keras
import tensorflow_datasets as tfds

from keras_memory.applications.memn2n_babi import evaluate_babi
from keras_memory.datasets import babi
from keras_memory.datasets import babi_tfds

TASKS = (1, 15)
FRACTION = 0.2
SEED = 3


def _questions(story, question):
    """Each row as `(sentences, question)` of non-zero ids, padding dropped."""
    rows = []
    for sentences, words in zip(story, question):
        kept = tuple(
            tuple(int(i) for i in sentence if i) for sentence in sentences if sentence.any()
        )
        rows.append((kept, tuple(int(i) for i in words if i)))
    return rows


class _RecordQuestions(keras.layers.Layer):
    """Records the questions a model is asked; answers with the first word."""

    def __init__(self, vocab_size, record, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        # Keras would track (copy) a list attribute: keep its method only.
        self.add_to_record = record.extend

    def call(self, story, question):
        self.add_to_record(
            _questions(keras.ops.convert_to_numpy(story), keras.ops.convert_to_numpy(question))
        )
        return keras.ops.one_hot(question[:, 0], self.vocab_size)

    def compute_output_spec(self, story, question):
        return keras.KerasTensor((question.shape[0], self.vocab_size))


def _recording_model(vocab_size, record):
    story = keras.Input((None, None), dtype="int32", name="story")
    question = keras.Input((None,), dtype="int32", name="question")
    answer = _RecordQuestions(vocab_size, record, name="answer")(story, question)
    return keras.Model([story, question], answer)


def test_load_babi_tfds_and_evaluate_babi_hold_out_the_same_stories(tmp_path):
    babi.write_babi_files(tmp_path, tasks=TASKS, num_stories=30, seed=2)
    data = babi.load_babi(tmp_path, tasks=TASKS, validation_fraction=FRACTION, seed=SEED)
    expected = {}
    for task in TASKS:
        rows = data.validation.task == task
        expected[task] = _questions(data.validation.story[rows], data.validation.question[rows])
        assert len(expected[task]) == 6 * (4 if task == 15 else 5)  # 6 of 30 stories

    # The per-task seed matters: task 15 with the plain seed holds out others.
    plain = babi.split_stories(babi.read_babi_task(tmp_path, 15), FRACTION, SEED)[1]
    story, question, _ = babi.vectorize(plain, data.vocabulary)
    assert _questions(story, question) != expected[15]

    # The TFDS builder's validation split.
    config = babi_tfds.BabiConfig(
        name="agreement", tasks=TASKS, validation_fraction=FRACTION, seed=SEED
    )
    builder = babi_tfds.BabiQA(config=config, data_dir=str(tmp_path / "tfds"))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(tmp_path))
    )
    validation = list(tfds.as_numpy(builder.as_dataset(split="validation")))
    for task in TASKS:
        examples = babi_tfds.to_examples([e for e in validation if e["task"] == task])
        story, question, _ = babi.vectorize(examples, data.vocabulary)
        assert _questions(story, question) == expected[task]

    # The questions that evaluate_babi(split="validation") asks.
    for task in TASKS:
        record = []
        model = _recording_model(len(data.vocabulary), record)
        errors = evaluate_babi(
            model, tmp_path, split="validation", vocabulary=data.vocabulary,
            tasks=task, validation_fraction=FRACTION, seed=SEED,
        )
        assert list(errors) == [task]
        assert record == expected[task]
