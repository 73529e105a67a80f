"""Runs every conformance check on every registered public layer."""

import pytest
from conformance import CHECKS
from conformance_specs import SPECS

import keras_memory


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__[len("check_"):])
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.test_id)
def test_conformance(spec, check, tmp_path):
    check(spec, tmp_path)


def test_every_public_layer_is_registered():
    registered = {spec.name for spec in SPECS}
    assert set(keras_memory.layers.__all__) == registered
