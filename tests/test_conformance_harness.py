"""The conformance harness catches broken layers.

Each layer below is a real layer broken in one way, behind a `broken`
argument: broken, it fails the harness check that should catch it; with
`broken=False` it is the real layer and passes the same check.
"""

import keras
import pytest
import references
from conformance import BATCH_SIZE
from conformance import CellSpec
from conformance import RNNSpec
from conformance import check_bidirectional
from conformance import check_jit_fit_step
from conformance import check_mixed_bfloat16
from conformance import check_mixed_float16
from conformance import check_reference
from conformance import serving_and_jax_failures
from conformance_specs import SPECS
from keras import ops

from keras_memory.layers import ClockworkRNN
from keras_memory.layers import ClockworkRNNCell

PERIODS = [1, 2, 3]


class _Breakable:
    """A `broken` constructor argument, kept in the config."""

    def __init__(self, *args, broken=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.broken = broken

    def get_config(self):
        return {**super().get_config(), "broken": self.broken}


@keras.saving.register_keras_serializable(package="conformance_harness_test")
class ZeroOutputCell(_Breakable, ClockworkRNNCell):
    """Returns zeros (and carries a zero state)."""

    def call(self, inputs, states, training=False):
        h, new_states = super().call(inputs, states, training=training)
        if self.broken:
            h = ops.zeros_like(h)
            new_states = [h, new_states[1]]
        return h, new_states


@keras.saving.register_keras_serializable(package="conformance_harness_test")
class IgnoresGoBackwards(_Breakable, ClockworkRNN):
    """Always runs forward in time, whatever `go_backwards` says."""

    def call(self, sequences, initial_state=None, mask=None, training=False):
        go_backwards = self.go_backwards
        if self.broken:
            self.go_backwards = False
        try:
            return super().call(
                sequences, initial_state=initial_state, mask=mask, training=training
            )
        finally:
            self.go_backwards = go_backwards


@keras.saving.register_keras_serializable(package="conformance_harness_test")
class NoGradientCell(_Breakable, ClockworkRNNCell):
    """Right values, but no gradient reaches its weights."""

    def call(self, inputs, states, training=False):
        h, new_states = super().call(inputs, states, training=training)
        if self.broken:
            h = ops.stop_gradient(h)
            new_states = [h, new_states[1]]
        return h, new_states


@keras.saving.register_keras_serializable(package="conformance_harness_test")
class WrongInFloat16Cell(_Breakable, ClockworkRNNCell):
    """Adds 1 to its output when it computes in float16, only then."""

    def call(self, inputs, states, training=False):
        h, new_states = super().call(inputs, states, training=training)
        if self.broken and self.compute_dtype == "float16":
            h = h + 1.0
        return h, new_states


def _cell_spec(cell_class, broken):
    return CellSpec(
        cell_class,
        lambda: cell_class(6, periods=PERIODS, broken=broken),
        reference=references.clockwork_rnn,
        output_shapes=(BATCH_SIZE, 7, 6),
        weight_counts=(3, 0),
    )


def _rnn_spec(broken):
    return RNNSpec(
        IgnoresGoBackwards,
        lambda **kwargs: IgnoresGoBackwards(6, periods=PERIODS, broken=broken, **kwargs),
        reference=lambda layer, x: references.clockwork_rnn(layer.cell, x),
        output_shapes=(BATCH_SIZE, 7, 6),
        weight_counts=(3, 0),
    )


@pytest.mark.parametrize("broken", [False, True], ids=["real", "broken"])
def test_a_zero_output_layer_fails_the_reference_check(broken, tmp_path):
    spec = _cell_spec(ZeroOutputCell, broken)
    if broken:
        with pytest.raises(AssertionError, match="reference"):
            check_reference(spec, tmp_path)
    else:
        check_reference(spec, tmp_path)


@pytest.mark.parametrize("broken", [False, True], ids=["real", "broken"])
def test_a_layer_that_ignores_go_backwards_fails_the_bidirectional_check(
    broken, tmp_path
):
    spec = _rnn_spec(broken)
    if broken:
        with pytest.raises(AssertionError, match="backward half"):
            check_bidirectional(spec, tmp_path)
    else:
        check_bidirectional(spec, tmp_path)
    # Its forward pass is right: only the backward direction is wrong.
    check_reference(spec, tmp_path)


@pytest.mark.parametrize("broken", [False, True], ids=["real", "broken"])
def test_a_layer_no_gradient_reaches_fails_the_fit_check(broken, tmp_path):
    spec = _cell_spec(NoGradientCell, broken)
    if broken:
        with pytest.raises(AssertionError, match="no weight of the layer under test"):
            check_jit_fit_step(spec, tmp_path)
    else:
        check_jit_fit_step(spec, tmp_path)


@pytest.mark.parametrize("broken", [False, True], ids=["real", "broken"])
def test_a_layer_wrong_only_in_float16_fails_the_float16_check(broken, tmp_path):
    spec = _cell_spec(WrongInFloat16Cell, broken)
    if broken:
        with pytest.raises(AssertionError, match="mixed_float16 outputs against float32"):
            check_mixed_float16(spec, tmp_path)
    else:
        check_mixed_float16(spec, tmp_path)
    # Right in float32 and in bfloat16.
    check_reference(spec, tmp_path)
    check_mixed_bfloat16(spec, tmp_path)


def test_the_shared_other_processes_report_a_failure_for_its_spec_only(tmp_path):
    # One JAX process and one fresh TensorFlow process serve several specs
    # (test_conformance.py): a layer that the JAX process cannot load (it is
    # registered in this test module only) fails there, and the layer next
    # to it in the same processes still passes every part.
    (clockwork,) = [spec for spec in SPECS if spec.test_id == "ClockworkRNNCell"]
    unknown = _cell_spec(WrongInFloat16Cell, broken=False)
    assert unknown.test_id != clockwork.test_id
    failures = serving_and_jax_failures([unknown, clockwork], tmp_path)
    assert failures[clockwork.test_id] == []
    (failure,) = failures[unknown.test_id]
    assert failure.startswith("JAX load and forward pass:")
    assert "WrongInFloat16Cell" in failure
