"""The Clockwork RNN paper's sequence-generation task, with a generated signal.

Koutník et al. (2014, section 4.1) train a network that receives no
information from its input to reproduce a fixed 320-sample audio waveform:
all timing must come from the network itself. Here the waveform is a seeded
sum of sinusoids whose periods range from a few steps to the whole sequence,
so that both fast and slow clocks are needed, and the input is a constant 1
at every step (the "clock-only" input).
"""

import numpy as np

from keras_memory import validation

DEFAULT_COMPONENT_PERIODS = (9, 27, 70, 160)


def waveform(length=320, component_periods=DEFAULT_COMPONENT_PERIODS, seed=0):
    """A deterministic multi-rate waveform scaled to a peak of 1.

    `y_t = sum_k a_k sin(2 pi t / P_k + phi_k)`, with amplitudes
    `a_k ~ U(0.5, 1)` and phases `phi_k ~ U(0, 2 pi)` drawn from `seed`,
    divided by `max_t |y_t|`.

    Args:
        length: Positive integer, number of samples. Default: 320, as in
            the paper.
        component_periods: Positive integer periods `P_k` of the
            sinusoids, in steps. Default: `(9, 27, 70, 160)`.
        seed: Non-negative integer, the seed of the amplitudes and phases.
            Default: 0.

    Returns:
        A float32 NumPy array of shape `(length,)`.
    """
    length = validation.check_positive_int("length", length)
    component_periods = validation.check_positive_int_list(
        "component_periods", component_periods
    )
    rng = np.random.default_rng(validation.check_seed(seed))
    t = np.arange(length)
    signal = np.zeros(length)
    for period in component_periods:
        amplitude = rng.uniform(0.5, 1.0)
        phase = rng.uniform(0.0, 2.0 * np.pi)
        signal += amplitude * np.sin(2.0 * np.pi * t / period + phase)
    return (signal / np.abs(signal).max()).astype("float32")


def sequence_generation(
    length=320, component_periods=DEFAULT_COMPONENT_PERIODS, seed=0
):
    """Inputs and targets of the sequence-generation task.

    Args:
        length, component_periods, seed: As in `waveform`.

    Returns:
        `(inputs, targets)`: float32 arrays of shape `(1, length, 1)`; the
        inputs are all ones (a clock tick and nothing else), the targets are
        `waveform(...)`.
    """
    target = waveform(length, component_periods, seed)
    inputs = np.ones((1, target.shape[0], 1), "float32")
    return inputs, target[None, :, None]


def normalized_mse(targets, predictions):
    """The paper's metric: mean squared error divided by the target variance.

    An NMSE of 1 is what predicting the mean gives; 0 is a perfect fit.
    """
    targets = np.asarray(targets, "float64")
    predictions = np.asarray(predictions, "float64")
    return float(np.mean((targets - predictions) ** 2) / np.var(targets))
