"""Recipe: a Clockwork RNN learns to generate a fixed waveform.

The paper's sequence-generation setup (Koutník et al. 2014, section 4.1):
the input is a constant clock tick, the target a 320-step waveform with fast
and slow components; the Clockwork RNN's modules (periods 1 to 128) supply
the timing. One training example is the whole sequence; an epoch is
`STEPS_PER_EPOCH` Adam updates on it.
"""

import keras
import numpy as np

from keras_memory.callbacks.backup_and_resume import add_backup
from keras_memory.datasets import normalized_mse
from keras_memory.datasets import sequence_generation
from keras_memory.layers import ClockworkRNN
from keras_memory.recipes import Recipe

TIMESTEPS = 320
UNITS = 64
NUM_MODULES = 8  # periods 1, 2, 4, ..., 128
LEARNING_RATE = 3e-3
STEPS_PER_EPOCH = 100


def build_model():
    """`clock (B, 320, 1) -> ClockworkRNN(64, 8 modules) -> Dense -> waveform`."""
    clock = keras.Input((TIMESTEPS, 1), name="clock")
    hidden = ClockworkRNN(
        UNITS, num_modules=NUM_MODULES, return_sequences=True, name="clockwork"
    )(clock)
    waveform = keras.layers.Dense(1, name="waveform")(hidden)
    model = keras.Model(clock, waveform, name="clockwork_waveform")
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="mse",
        jit_compile=True,
    )
    return model


def train(model, epochs, verbose=1, callbacks=(), backup_dir=None):
    inputs, targets = sequence_generation(TIMESTEPS)
    # The single sequence, repeated so that an epoch shows a progress bar.
    inputs = np.repeat(inputs, STEPS_PER_EPOCH, axis=0)
    targets = np.repeat(targets, STEPS_PER_EPOCH, axis=0)
    callbacks = list(callbacks)
    # Every epoch is the same fixed data, unshuffled: resuming needs the
    # weights, the optimizer and the epoch, which the backup holds.
    add_backup(callbacks, backup_dir, {"recipe": "clockwork-waveform", "epochs": epochs})
    return model.fit(
        inputs,
        targets,
        batch_size=1,
        epochs=epochs,
        shuffle=False,
        verbose=verbose,
        callbacks=callbacks,
    )


def evaluate(model):
    """Normalized MSE of the generated waveform (paper's metric)."""
    inputs, targets = sequence_generation(TIMESTEPS)
    return normalized_mse(targets, model.predict(inputs, verbose=0))


def example_inputs():
    inputs, _ = sequence_generation(TIMESTEPS)
    return {"clock": inputs}


def plot(model, path):
    from keras_memory.viz import plot_clockwork

    inputs, targets = sequence_generation(TIMESTEPS)
    clockwork = model.get_layer("clockwork")
    probe = keras.Model(model.input, [model.output, clockwork.output])
    prediction, hidden = probe.predict(inputs, verbose=0)
    plot_clockwork(targets[0], prediction[0], hidden[0], clockwork.periods, path)


RECIPE = Recipe(
    name="clockwork-waveform",
    description=(
        "Clockwork RNN generates a 320-step multi-rate waveform from a "
        "clock-only input (Koutník et al. 2014, sequence generation)."
    ),
    metric_name="NMSE",
    default_epochs=25,
    build_model=build_model,
    train=train,
    evaluate=evaluate,
    example_inputs=example_inputs,
    plot=plot,
)
