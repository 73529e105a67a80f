"""Runs every conformance check on every registered public layer."""

import pytest
from conformance import CHECKS
from conformance import applies
from conformance_specs import SPECS

import keras_memory

# Every check that applies to a spec; the recurrent contract's checks apply
# to cells and RNN layers only.
CASES = [
    pytest.param(spec, check, id=f"{check.__name__[len('check_'):]}-{spec.test_id}")
    for spec in SPECS
    for check in CHECKS
    if applies(check, spec)
]


@pytest.mark.parametrize("spec,check", CASES)
def test_conformance(spec, check, tmp_path):
    check(spec, tmp_path)


def test_every_public_layer_is_registered():
    registered = {spec.name for spec in SPECS}
    assert set(keras_memory.layers.__all__) == registered
