"""A Skip LSTM solves the adding problem with under 60 % of the updates.

The paper's task (length 50). Training stops as soon as the validation MSE
is below 1/100 of the target variance and the update rate below 60 %; the
test fails if that has not happened within the epoch budget.
"""

import keras
import numpy as np

from keras_memory.datasets import ADDING_TARGET_VARIANCE
from keras_memory.datasets import adding_problem
from keras_memory.layers import SkipRNN

SOLVED_MSE = ADDING_TARGET_VARIANCE / 100
MAX_UPDATE_RATE = 0.6


class StopWhenSolved(keras.callbacks.Callback):
    def __init__(self, gated_rate):
        super().__init__()
        self.gated_rate = gated_rate
        self.history = []

    def on_epoch_end(self, epoch, logs=None):
        mse, rate = logs["val_mse"], self.gated_rate()
        self.history.append((epoch, round(mse, 5), round(rate, 3)))
        if mse < SOLVED_MSE and rate < MAX_UPDATE_RATE:
            self.model.stop_training = True


def test_skip_lstm_solves_the_adding_problem_with_fewer_updates():
    keras.utils.set_random_seed(0)
    x, y = adding_problem(10000, length=50, seed=1)
    x_val, y_val = adding_problem(1000, length=50, seed=2)

    sequence = keras.Input((50, 2))
    skip_lstm = SkipRNN(keras.layers.LSTMCell(64), budget_weight=1e-4)
    model = keras.Model(sequence, keras.layers.Dense(1)(skip_lstm(sequence)))
    schedule = keras.optimizers.schedules.ExponentialDecay(3e-3, 2000, 0.5)
    # The loss includes the budget term: the task is judged by the MSE.
    model.compile(
        keras.optimizers.Adam(schedule), "mse", metrics=["mse"], jit_compile=True
    )

    gated = SkipRNN.from_config(
        {**skip_lstm.get_config(), "return_sequences": True, "return_gates": True}
    )
    gated.build(x_val.shape)

    def validation_update_rate():
        gated.set_weights(skip_lstm.get_weights())
        _, gates = gated(x_val)  # inference: the gates a deployed model uses
        return float(keras.ops.convert_to_numpy(gates).mean())

    stopper = StopWhenSolved(validation_update_rate)
    model.fit(
        x, y, batch_size=128, epochs=60, validation_data=(x_val, y_val),
        callbacks=[stopper], verbose=0,
    )
    epoch, mse, rate = stopper.history[-1]
    assert mse < SOLVED_MSE and rate < MAX_UPDATE_RATE, stopper.history
    prediction = keras.ops.convert_to_numpy(model(x_val))
    assert np.mean((prediction - y_val) ** 2) < SOLVED_MSE
