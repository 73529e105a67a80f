"""Attention encoder-decoder: exact match, decoding speed, training speed.

Three sections, each printing tables; choose them with `--parts` (default:
all, in this order).

1. accuracy: exact match on held-out generated data against the source
   length, `AttentionSeq2Seq(attention="luong")` against the encoder-decoder
   without attention (`attention="none"`, the same cells, its decoder units
   raised until both have the same number of parameters: both counts are
   printed), trained in this run on the same budget (`--dates-steps`,
   `--reversal-steps` batches of `--batch-size`):
   - dates (`date_normalization`, English, French and German, held-out
     dates of the `test` split), by source length and by language; goal:
     at least 99.5 % exact in every language;
   - digit reversal (`digit_reversal`) trained on lengths 1 to 20 and tested
     on 1 to 40, by length; goal: at least 95 % exact at 40 (twice the
     training length) with attention, the baseline's figure beside it.
   Decoding is greedy.
2. decoding: sequences per second at batch `--decode-batch` (64) of digit
   strings of `--decode-length` digits, greedy and beam search of width 4,
   with `generate` in a `tf.function` with and without
   `jit_compile=True`, against the usual step-by-step loop that calls the
   decoder step once per token from Python, eagerly (the TensorFlow NMT
   tutorial's way; the same greedy choice or beam search written with eager
   ops); the ratio to that loop (goal: at least 10x for the compiled beam
   search). The model is untrained, so no hypothesis ends early: every
   method runs all `--decode-length + 1` steps.
3. training: steps per second of one `train_on_batch` (Adam, masked
   cross-entropy) on a batch of dates, with `jit_compile=True` and without,
   and the ratio.

Times are wall-clock after a warm-up (tracing and XLA compilation are not
timed), the methods timed in turns so that load from the rest of the machine
falls on all alike; read the ratios.

Run from the project root:

    .venv/bin/python benchmarks/seq2seq.py --quick            # a smoke run, under 2 minutes
    .venv/bin/python benchmarks/seq2seq.py --parts decoding,training
    .venv/bin/python benchmarks/seq2seq.py --format markdown  # the full run (hours on 2 cores)

The full run is the last command: the defaults (model of
`AttentionSeq2Seq`'s default sizes, 20,000 batches of 64 per task and model,
Adam 1e-3) are the budgets meant for the goals above; they have not been run
to the end yet, so raise `--dates-steps` / `--reversal-steps` if a goal is
missed for want of training.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

# Benchmark the working tree this script belongs to.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_memory.applications import AttentionSeq2Seq  # noqa: E402
from keras_memory.applications.seq2seq import model as model_lib  # noqa: E402
from keras_memory.datasets import digit_tasks  # noqa: E402
from keras_memory.datasets import text  # noqa: E402
from keras_memory.datasets.dates import date_normalization  # noqa: E402
from keras_memory.datasets.dates import date_vocabulary  # noqa: E402
from keras_memory.decoding import BeamSearch  # noqa: E402
from keras_memory.decoding import GreedySampler  # noqa: E402
from keras_memory.decoding import tile_beams  # noqa: E402

PARTS = ("accuracy", "decoding", "training")
WARMUP_CALLS = 2
BEAM_WIDTH = 4
NEG_INF = -1e9
# Sources of the dates are at most 30 characters, targets 10: one shape.
DATE_SOURCE_LENGTH = 32
DATE_TARGET_LENGTH = 11

QUICK_SETTINGS = {
    "embedding_dim": 8,
    "encoder_units": 8,
    "decoder_units": 16,
    "attention_units": 16,
    "batch_size": 16,
    "dates_steps": 6,
    "dates_examples": 256,
    "reversal_steps": 6,
    "reversal_examples": 256,
    "train_max_length": 4,
    "test_max_length": 8,
    "length_step": 4,
    "eval_examples": 48,
    "decode_batch": 8,
    "decode_length": 5,
    "repeats": 2,
    "train_batch": 8,
}


def positive_int(text_value):
    value = int(text_value)
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text_value}")
    return value


def part_list(text_value):
    parts = [part.strip() for part in text_value.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if not parts or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown parts {unknown}; choose from {', '.join(PARTS)}"
        )
    return [part for part in PARTS if part in parts]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Attention encoder-decoder against the no-attention baseline.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--parts", type=part_list, default=list(PARTS),
        help=f"comma-separated sections among {','.join(PARTS)}",
    )
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and budgets: a smoke run of under 2 minutes")
    parser.add_argument("--format", choices=("table", "markdown"), default="table")
    parser.add_argument("--seed", type=int, default=0)
    group = parser.add_argument_group("model (AttentionSeq2Seq, LSTM cells)")
    group.add_argument("--embedding-dim", type=positive_int, default=32)
    group.add_argument("--encoder-units", type=positive_int, default=64)
    group.add_argument("--decoder-units", type=positive_int, default=128,
                       help="of the attention model; the baseline gets more")
    group.add_argument("--attention-units", type=positive_int, default=128)
    group = parser.add_argument_group("accuracy")
    group.add_argument("--batch-size", type=positive_int, default=64)
    group.add_argument("--learning-rate", type=float, default=1e-3)
    group.add_argument("--dates-steps", type=positive_int, default=20_000,
                       help="training batches on dates, per model")
    group.add_argument("--dates-examples", type=positive_int, default=100_000,
                       help="training dates (the train split)")
    group.add_argument("--reversal-steps", type=positive_int, default=20_000,
                       help="training batches on digit reversal, per model")
    group.add_argument("--reversal-examples", type=positive_int, default=100_000)
    group.add_argument("--train-max-length", type=positive_int, default=20,
                       help="digit reversal trains on lengths 1 to this")
    group.add_argument("--test-max-length", type=positive_int, default=40,
                       help="and is tested on lengths 1 to this")
    group.add_argument("--length-step", type=positive_int, default=5,
                       help="width of the length groups of the tables")
    group.add_argument("--eval-examples", type=positive_int, default=2_000,
                       help="held-out dates; digit strings per length group")
    group.add_argument(
        "--train-jit", choices=("true", "false"), default="false",
        help="jit_compile of the training runs (one XLA compile per bucket shape)",
    )
    group = parser.add_argument_group("decoding and training speed")
    group.add_argument("--decode-batch", type=positive_int, default=64)
    group.add_argument("--decode-length", type=positive_int, default=20,
                       help="digits per source (and output tokens - 1)")
    group.add_argument("--repeats", type=positive_int, default=10,
                       help="timed calls per method")
    group.add_argument("--train-batch", type=positive_int, default=64,
                       help="dates per timed training step")
    args = parser.parse_args(argv)
    if args.quick:  # flags given on the command line win over the quick sizes
        for name, value in QUICK_SETTINGS.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    if args.train_max_length > args.test_max_length:
        parser.error("--train-max-length must be at most --test-max-length")
    args.train_jit = args.train_jit == "true"
    return args


# === Models ===


def attention_model(vocabulary, args, **overrides):
    settings = {
        "embedding_dim": args.embedding_dim,
        "encoder_units": args.encoder_units,
        "decoder_units": args.decoder_units,
        "attention_units": args.attention_units,
        **overrides,
    }
    return AttentionSeq2Seq(vocabulary.size, **settings)


def baseline_units(vocabulary, args):
    """Decoder units of the no-attention model with the attention model's parameters.

    The parameter count of `attention="none"` is a quadratic in the decoder
    units `u` (the cell's `4u(d + u + 1)`, the bridge's and the readout's
    linear terms): fitted on three sizes, solved for the attention model's
    count, and the nearest integer kept.
    """
    target = attention_model(vocabulary, args).count_params()
    sizes = [args.decoder_units, 2 * args.decoder_units, 3 * args.decoder_units]
    counts = [
        attention_model(vocabulary, args, attention="none", decoder_units=u).count_params()
        for u in sizes
    ]
    a, b, c = np.polyfit(sizes, counts, 2)
    root = (-b + np.sqrt(b * b - 4 * a * (c - target))) / (2 * a)
    candidates = [max(1, int(np.floor(root))), max(1, int(np.ceil(root)))]
    return min(candidates, key=lambda u: abs(a * u * u + b * u + c - target))


def compile_model(model, args, jit_compile=None):
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
        # Padding (id 0) of the targets adds nothing to the loss.
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0),
        jit_compile=args.train_jit if jit_compile is None else jit_compile,
    )
    return model


def as_model_inputs(inputs, targets):
    source_ids, decoder_input_ids = inputs
    return {
        model_lib.SOURCE_INPUT: source_ids,
        model_lib.DECODER_INPUT: decoder_input_ids,
    }, targets


def train(model, sources, targets, vocabulary, steps, args, **buckets):
    """`steps` batches of teacher forcing on the pairs; returns seconds."""
    compile_model(model, args)
    dataset = text.seq2seq_dataset(
        sources, targets, vocabulary, args.batch_size, seed=args.seed, **buckets
    )
    dataset = dataset.repeat().map(as_model_inputs).prefetch(4)
    start = time.perf_counter()
    model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    return time.perf_counter() - start


def translate(model, vocabulary, sources, max_length, batch_size=256):
    """Greedy translations of `sources`, in a traced (non-XLA) `generate`.

    Sources are padded to multiples of 8 characters (one trace per padded
    length), which changes nothing: the encoder masks padding.
    """
    import tensorflow as tf

    sampler = GreedySampler(max_length=max_length)
    decode = tf.function(
        lambda ids: model_lib.generate(model, ids, sampler)["tokens"][:, 0],
        reduce_retracing=True,
        # `generate` is keras.ops with no Python branch on tensors: nothing
        # for AutoGraph to convert (it re-reads the source files to do so).
        autograph=False,
    )
    order = np.argsort([len(s) for s in sources], kind="stable")
    results = [None] * len(sources)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        longest = max(len(sources[i]) for i in rows) + 1
        ids, _ = vocabulary.encode([sources[i] for i in rows], -(-longest // 8) * 8)
        decoded = vocabulary.decode(keras.ops.convert_to_numpy(decode(ids)))
        for row, string in zip(rows, decoded):
            results[row] = string
    return results


def exact_match(predictions, targets):
    return float(np.mean([p == t for p, t in zip(predictions, targets)])) if targets else 0.0


def length_groups(lengths, step, largest):
    """`(label, mask)` per group of `step` lengths from 1 up to `largest`."""
    lengths = np.asarray(lengths)
    groups = []
    for low in range(1, largest + 1, step):
        high = min(largest, low + step - 1)
        label = f"{low}" if low == high else f"{low}-{high}"
        groups.append((label, (lengths >= low) & (lengths <= high)))
    return groups


# === 1. Accuracy ===


def trained_pair(task, vocabulary, sources, targets, steps, args, **buckets):
    """The attention model and the equal-size baseline, trained alike."""
    units = baseline_units(vocabulary, args)
    models = {}
    for name, overrides in (
        ("attention", {}),
        ("no attention", {"attention": "none", "decoder_units": units}),
    ):
        keras.utils.set_random_seed(args.seed)
        model = attention_model(vocabulary, args, **overrides)
        seconds = train(model, sources, targets, vocabulary, steps, args, **buckets)
        models[name] = (model, seconds)
    sizes = ", ".join(
        f"{name} {model.count_params():,} parameters"
        + (f" (decoder {units} units)" if name == "no attention" else
           f" (decoder {args.decoder_units} units, luong general)")
        + f", trained {seconds:.0f} s"
        for name, (model, seconds) in models.items()
    )
    return models, f"{task}: {sizes}"


def accuracy(args, results):
    budget = (
        f"{{steps:,}} batches of {args.batch_size} (Adam {args.learning_rate:g}, "
        f"jit_compile={args.train_jit}, seed {args.seed})"
    )
    # --- Dates ---
    vocabulary = date_vocabulary()
    train_set = date_normalization(args.dates_examples, seed=args.seed, split="train")
    test_set = date_normalization(args.eval_examples, seed=args.seed + 1, split="test")
    models, sizes = trained_pair(
        "dates", vocabulary, train_set.sources, train_set.targets, args.dates_steps, args,
        source_buckets=(DATE_SOURCE_LENGTH,), target_buckets=(DATE_TARGET_LENGTH,),
    )
    predictions = {
        name: translate(model, vocabulary, test_set.sources, DATE_TARGET_LENGTH)
        for name, (model, _) in models.items()
    }
    lengths = [len(s) for s in test_set.sources]
    rows = []
    for label, mask in length_groups(lengths, args.length_step, max(lengths)):
        if not mask.any():
            continue
        indices = np.flatnonzero(mask)
        rows.append([
            f"length {label}", len(indices),
            *(f"{100 * exact_match([predictions[n][i] for i in indices], [test_set.targets[i] for i in indices]):.1f}"  # noqa: E501
              for n in models),
        ])
    for language in sorted(set(test_set.languages)):
        indices = [i for i, lang in enumerate(test_set.languages) if lang == language]
        rows.append([
            f"language {language}", len(indices),
            *(f"{100 * exact_match([predictions[n][i] for i in indices], [test_set.targets[i] for i in indices]):.1f}"  # noqa: E501
              for n in models),
        ])
    rows.append([
        "all", len(lengths),
        *(f"{100 * exact_match(predictions[n], test_set.targets):.1f}" for n in models),
    ])
    results["dates"] = rows
    section(
        "Exact match on held-out dates",
        f"Greedy decoding of {args.eval_examples:,} dates of the test split (dates "
        f"never seen in training), by source length in characters and by language; "
        f"% exact. Both trained on {budget.format(steps=args.dates_steps)} of "
        f"{args.dates_examples:,} training dates. {sizes}. Goal: >= 99.5 % in "
        "every language (attention).",
        ["group", "examples", "attention % exact", "no attention % exact"],
        rows,
        args,
    )

    # --- Digit reversal ---
    vocabulary = digit_tasks.digit_vocabulary()
    sources, targets = digit_tasks.digit_reversal(
        args.reversal_examples, 1, args.train_max_length, seed=args.seed
    )
    models, sizes = trained_pair(
        "reversal", vocabulary, sources, targets, args.reversal_steps, args,
        source_buckets=tuple(range(8, args.train_max_length + 9, 8)),
        target_buckets=tuple(range(8, args.train_max_length + 9, 8)),
    )
    rows = []
    longest = args.test_max_length
    for label, _ in length_groups(range(1, longest + 1), args.length_step, longest):
        low, _, high = label.partition("-")
        test_sources, test_targets = digit_tasks.digit_reversal(
            args.eval_examples, int(low), int(high or low), seed=(args.seed + 1, int(low))
        )
        row = [label, "yes" if int(high or low) <= args.train_max_length else "no",
               args.eval_examples]
        for model, _ in models.values():
            predicted = translate(model, vocabulary, test_sources, longest + 1)
            row.append(f"{100 * exact_match(predicted, test_targets):.1f}")
        rows.append(row)
    results["reversal"] = rows
    section(
        "Exact match on digit reversal",
        f"Greedy decoding of {args.eval_examples:,} new digit strings per length "
        f"group; % exact. Both trained on lengths 1-{args.train_max_length}, "
        f"{budget.format(steps=args.reversal_steps)} of {args.reversal_examples:,} "
        f"strings. {sizes}. Goal: >= 95 % at length {2 * args.train_max_length} "
        "(twice the training length) with attention.",
        ["length", f"in 1-{args.train_max_length}", "examples", "attention % exact",
         "no attention % exact"],
        rows,
        args,
    )


# === 2. Decoding speed ===


def python_loop_greedy(model, source_ids, max_length):
    """The NMT tutorial's loop: one eager decoder step per token, from Python."""
    import tensorflow as tf

    step = model_lib.decoding_step(model)
    state = model_lib.encode(model, source_ids)
    tokens = tf.fill((source_ids.shape[0],), text.START_ID)
    finished = tf.zeros_like(tokens, dtype=tf.bool)
    outputs = []
    for index in range(max_length):
        logits, state, _ = step(tokens, state, index)
        tokens = tf.argmax(logits, axis=-1, output_type=tf.int32)
        tokens = tf.where(finished, text.PAD_ID, tokens)
        outputs.append(tokens)
        finished = finished | (tokens == text.END_ID)
        if bool(tf.reduce_all(finished)):
            break
    return tf.stack(outputs, axis=1)


def python_loop_beam(model, source_ids, max_length, beam_width=BEAM_WIDTH):
    """Beam search the same way: eager ops per step, the loop in Python.

    Finished hypotheses stay frozen (they continue with the end token at no
    cost), as in `BeamSearch` with no penalties; returns the best
    hypothesis' tokens `(B, T)` and log-probabilities `(B,)`.
    """
    import tensorflow as tf

    step = model_lib.decoding_step(model)
    state = tile_beams(model_lib.encode(model, source_ids), beam_width)
    batch = source_ids.shape[0]
    vocabulary_size = model.get_layer("readout").units
    tokens = tf.fill((batch * beam_width,), text.START_ID)
    # Only the first copy of each example starts alive.
    scores = tf.tile(tf.constant([0.0] + [NEG_INF] * (beam_width - 1)), [batch])
    finished = tf.zeros((batch * beam_width,), tf.bool)
    sequences = tf.zeros((batch * beam_width, 0), tf.int32)
    is_end = tf.one_hot(text.END_ID, vocabulary_size, on_value=0.0, off_value=NEG_INF)
    offsets = tf.range(batch)[:, None] * beam_width
    for index in range(max_length):
        logits, state, _ = step(tokens, state, index)
        log_probs = tf.nn.log_softmax(logits)
        log_probs = tf.where(finished[:, None], is_end[None], log_probs)
        candidates = tf.reshape(scores[:, None] + log_probs, (batch, -1))
        scores, chosen = tf.math.top_k(candidates, k=beam_width)
        parents = tf.reshape(chosen // vocabulary_size + offsets, (-1,))
        new_tokens = tf.reshape(chosen % vocabulary_size, (-1,))
        scores = tf.reshape(scores, (-1,))
        was_finished = tf.gather(finished, parents)
        tokens = new_tokens
        written = tf.where(was_finished, text.PAD_ID, new_tokens)
        sequences = tf.concat([tf.gather(sequences, parents), written[:, None]], axis=1)
        finished = was_finished | (new_tokens == text.END_ID)
        state = keras.tree.map_structure(lambda x: tf.gather(x, parents), state)
        if bool(tf.reduce_all(finished)):
            break
    best = tf.reshape(sequences, (batch, beam_width, -1))[:, 0]
    return best, tf.reshape(scores, (batch, beam_width))[:, 0]


def decoding_methods(model, source_ids, max_length):
    """`{(strategy, method): callable}` of the timed decoders."""
    import tensorflow as tf

    samplers = {
        "greedy": GreedySampler(max_length=max_length),
        f"beam {BEAM_WIDTH}": BeamSearch(BEAM_WIDTH, max_length=max_length),
    }
    loops = {
        "greedy": lambda: python_loop_greedy(model, source_ids, max_length),
        f"beam {BEAM_WIDTH}": lambda: python_loop_beam(model, source_ids, max_length),
    }
    methods = {}
    ids = tf.constant(source_ids)
    for strategy, sampler in samplers.items():
        methods[(strategy, "Python step loop (eager)")] = loops[strategy]
        for jit_compile in (False, True):
            fn = tf.function(
                lambda x, s=sampler: model_lib.generate(model, x, s)["tokens"],
                jit_compile=jit_compile,
            )
            label = "generate, tf.function" + (" + XLA" if jit_compile else "")
            methods[(strategy, label)] = lambda fn=fn: fn(ids)
    return methods


def machine():
    return (
        f"keras {keras.__version__} ({keras.backend.backend()}), "
        f"{os.cpu_count()} CPUs, {platform.machine()}"
    )


def decoding(args, results):
    keras.utils.set_random_seed(args.seed)
    vocabulary = digit_tasks.digit_vocabulary()
    model = attention_model(vocabulary, args)
    sources, _ = digit_tasks.digit_reversal(
        args.decode_batch, args.decode_length, args.decode_length, seed=args.seed
    )
    source_ids, _ = vocabulary.encode(sources, args.decode_length + 1)
    max_length = args.decode_length + 1
    methods = decoding_methods(model, source_ids, max_length)
    times = dict(zip(methods, interleaved_times(list(methods.values()), args.repeats)))
    rows = []
    for strategy, method in methods:
        baseline = times[(strategy, "Python step loop (eager)")]
        measured = times[(strategy, method)]
        rows.append([
            strategy,
            method,
            f"{args.decode_batch / np.median(measured):.1f}",
            f"{np.median(baseline / measured):.2f}",
        ])
    results["decoding"] = rows
    section(
        "Decoding speed",
        f"Sequences per second decoding {args.decode_batch} sources of "
        f"{args.decode_length} digits ({max_length} output steps; an untrained "
        f"model of {model.count_params():,} parameters, so every method runs all "
        f"steps), median of {args.repeats} calls after {WARMUP_CALLS} warm-up calls; "
        f"{machine()}. Goal: >= 10x for the compiled beam search.",
        ["strategy", "method", "sequences/s", "x Python loop"],
        rows,
        args,
        notes=["x Python loop = median over rounds of the loop's time / this "
               "method's time in the same round."],
    )


# === 3. Training speed ===


def training(args, results):
    vocabulary = date_vocabulary()
    examples = date_normalization(args.train_batch, seed=args.seed, split="train")
    (source_ids, decoder_input_ids), target_ids = text.teacher_forcing_arrays(
        examples.sources, examples.targets, vocabulary, DATE_SOURCE_LENGTH,
        DATE_TARGET_LENGTH,
    )
    inputs = {model_lib.SOURCE_INPUT: source_ids, model_lib.DECODER_INPUT: decoder_input_ids}
    models = []
    for jit_compile in (False, True):
        keras.utils.set_random_seed(args.seed)
        models.append(compile_model(attention_model(vocabulary, args), args, jit_compile))
    plain, compiled = interleaved_times(
        [lambda m=m: m.train_on_batch(inputs, target_ids) for m in models], args.repeats
    )
    q1, ratio, q3 = np.percentile(plain / compiled, [25, 50, 75])
    rows = [
        ["False", f"{1 / np.median(plain):.2f}", "1.00", ""],
        ["True", f"{1 / np.median(compiled):.2f}", f"{ratio:.2f}", f"{q1:.2f}-{q3:.2f}"],
    ]
    results["training"] = rows
    section(
        "Training step with and without XLA",
        f"Steps per second of one `train_on_batch` (Adam, masked cross-entropy) on "
        f"{args.train_batch} dates (sources {DATE_SOURCE_LENGTH}, targets "
        f"{DATE_TARGET_LENGTH} ids), the attention model of "
        f"{models[0].count_params():,} parameters, median of {args.repeats} calls "
        f"after {WARMUP_CALLS} warm-up calls; {machine()}.",
        ["jit_compile", "steps/s", "ratio to no XLA", "ratio IQR"],
        rows,
        args,
    )


# === Tables ===


def format_table(headers, rows, style):
    cells = [headers] + [[str(c) for c in row] for row in rows]
    if style == "markdown":
        lines = ["| " + " | ".join(row) + " |" for row in cells]
        lines.insert(1, "|" + "|".join("---" for _ in headers) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def section(title, description, headers, rows, args, notes=()):
    print(f"\n## {title}\n\n{description}\n")
    print(format_table(headers, rows, args.format))
    for note in notes:
        print(f"\n{note}")
    sys.stdout.flush()


def interleaved_times(fns, repeats):
    """Warm each callable up, then time them in turns; seconds per call."""
    for fn in fns:
        for _ in range(WARMUP_CALLS):
            fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for fn, fn_times in zip(fns, times):
            start = time.perf_counter()
            fn()
            fn_times.append(time.perf_counter() - start)
    return [np.array(t) for t in times]


def main(argv=None):
    args = parse_args(argv)
    import tensorflow as tf

    # Each padded length of `translate` is a trace: expected, not a warning.
    tf.get_logger().setLevel("ERROR")
    print(
        f"Attention encoder-decoder benchmark{' (--quick)' if args.quick else ''}: "
        f"{', '.join(args.parts)}; {machine()}."
    )
    sections = {"accuracy": accuracy, "decoding": decoding, "training": training}
    results = {}
    start = time.perf_counter()
    for part in args.parts:
        part_start = time.perf_counter()
        sections[part](args, results)
        print(f"\n({part}: {time.perf_counter() - part_start:.0f} s)")
    print(f"\nTotal {time.perf_counter() - start:.0f} s.")
    return results


if __name__ == "__main__":
    main()
