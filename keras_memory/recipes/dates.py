"""Recipe: the attention encoder-decoder normalises dates to ISO 8601.

`keras-memory train dates` trains the `DateNormalizer`'s encoder-decoder on
generated dates in English, French and German
(`keras_memory.applications.seq2seq.training.train_dates`) and writes
`.weights.h5` with `vocabulary.json` and `metadata.json` beside it, then
measures exact match on held-out test dates per language and format;
`keras-memory evaluate dates` prints that table for the shipped weights
(or `--weights`), and `keras-memory translate "text" ...` normalises dates.
"""

import json
import pathlib
import sys
import time

from keras_memory.recipes import Recipe
from keras_memory.recipes import Report

TRAIN_OUTPUT = "date_normalizer/dates.weights.h5"
SHIPPED = "dates"
# Test dates per language of `keras-memory train/evaluate dates`.
EVALUATION_EXAMPLES = 3000
EVALUATION_SEED = 2026


def _check_output(output):
    output = pathlib.Path(output or TRAIN_OUTPUT)
    if not output.name.endswith(".weights.h5"):
        raise ValueError(
            "Received an invalid value for argument `--output`, expected a "
            "path ending in .weights.h5 (written with vocabulary.json and "
            f"metadata.json beside it), got {str(output)!r}."
        )
    return output


def train(options):
    """`keras-memory train dates`: trains, saves, then measures exact match."""
    import keras

    from keras_memory.applications.checkpoints import save_weights_atomically
    from keras_memory.applications.seq2seq import training
    from keras_memory.datasets import dates
    from keras_memory.recipes import EpochCheckpoint
    from keras_memory.recipes import checkpoint_path

    output = _check_output(options.output)
    epochs = options.epochs or training.EPOCHS
    seed = options.seed
    keras.utils.set_random_seed(seed)
    steps = training.training_steps(epochs)
    model = training.compile_for_dates(training.build_date_model(), decay_steps=steps)
    output.parent.mkdir(parents=True, exist_ok=True)
    checkpoint = EpochCheckpoint(checkpoint_path(output))
    history = training.train_dates(
        model,
        epochs=epochs,
        seed=seed,
        verbose=1,
        callbacks=[checkpoint],
        # --backup-dir: a backup every epoch; the same command resumes.
        backup_dir=getattr(options, "backup_dir", None),
    )
    save_weights_atomically(model, output)
    dates.date_vocabulary().save(output.with_name("vocabulary.json"))
    metadata = {
        "application": "DateNormalizer",
        "task": "date normalisation (en, fr, de) to ISO 8601",
        "architecture": training.ARCHITECTURE,
        "source_length": training.SOURCE_LENGTH,
        "target_length": training.TARGET_LENGTH,
        "training": {
            "command": "keras-memory " + " ".join(sys.argv[1:]),
            "data": (
                f"keras_memory.datasets.dates.date_normalization({training.NUM_EXAMPLES}, "
                f"seed={seed}, split='train'): every language and format"
            ),
            "seed": seed,
            "epochs": epochs,
            "examples": training.NUM_EXAMPLES,
            "batch_size": training.BATCH_SIZE,
            "steps": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
            "optimizer": (
                f"Adam(CosineDecay({training.LEARNING_RATE}, {steps}, "
                f"alpha={training.DECAY_ALPHA}), clipnorm={training.CLIPNORM}), "
                "teacher forcing, cross-entropy (padding ignored)"
            ),
            "jit_compile": training.JIT_COMPILE,
            "loss_per_epoch": [round(v, 5) for v in history.history["loss"]],
            "val_loss_per_epoch": [round(v, 5) for v in history.history.get("val_loss", [])],
            "wall_seconds": round(history.seconds, 1),
            "machine": (
                "2-core CPU shared with other jobs (the wall time is that of a "
                f"busy machine), TensorFlow backend, Keras {keras.__version__}"
            ),
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    }
    metadata_path = output.with_name("metadata.json")
    metadata_path.write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n")
    checkpoint.path.unlink(missing_ok=True)
    results = _evaluate_and_record(output)
    return _report(results, f"Saved {output}, and vocabulary.json and metadata.json beside it")


def _evaluate_and_record(weights_path):
    """Measures the model at `weights_path` and adds the figures to its metadata."""
    from keras_memory.applications.seq2seq import evaluation
    from keras_memory.applications.seq2seq.date_normalizer import DateNormalizer

    normalizer = DateNormalizer(weights=str(weights_path))
    results = evaluation.evaluate_dates(
        normalizer, examples_per_language=EVALUATION_EXAMPLES // 3, seed=EVALUATION_SEED
    )
    metadata_path = pathlib.Path(weights_path).with_name("metadata.json")
    metadata = json.loads(metadata_path.read_text())
    metadata["evaluation"] = evaluation.summary(
        results, examples_per_language=EVALUATION_EXAMPLES // 3, seed=EVALUATION_SEED
    )
    metadata_path.write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n")
    return results


def _report(results, note):
    from keras_memory.applications.seq2seq import evaluation

    return Report(
        lines=("Exact match (%) on held-out test dates:",),
        table=evaluation.exact_match_table(results),
        notes=(note,),
        data=evaluation.summary(results),
    )


def evaluate(options):
    """`keras-memory evaluate dates`: exact match per language and format."""
    from keras_memory.applications.seq2seq import evaluation
    from keras_memory.applications.seq2seq.date_normalizer import DateNormalizer

    weights = options.weights or SHIPPED
    normalizer = DateNormalizer(weights=weights)
    split = getattr(options, "split", "test") or "test"
    results = evaluation.evaluate_dates(
        normalizer,
        examples_per_language=EVALUATION_EXAMPLES // 3,
        seed=EVALUATION_SEED,
        split=split,
    )
    return Report(
        lines=(f"Exact match (%) of {weights} on held-out {split} dates:",),
        table=evaluation.exact_match_table(results),
        data=evaluation.summary(results),
    )


def translate(strings, weights=None, beam_width=1):
    """The normalised dates of `strings` (`keras-memory translate`)."""
    from keras_memory.applications.seq2seq.date_normalizer import DateNormalizer

    return DateNormalizer(weights=weights or SHIPPED, beam_width=beam_width)(list(strings))


RECIPE = Recipe(
    name="dates",
    description=(
        "Attention encoder-decoder normalises dates in English, French and "
        "German to ISO 8601 (Luong et al. 2015 attention); shipped weights."
    ),
    metric_name="exact match on test dates (%)",
    default_epochs=4,
    run_train=train,
    run_evaluate=evaluate,
)
