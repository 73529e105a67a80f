"""Runs every conformance check on every registered public layer."""

import pytest
from conformance import CHECKS
from conformance import applies
from conformance import check_serving_and_jax
from conformance import serving_and_jax_failures
from conformance_specs import SPECS

import keras_memory

# The serving and JAX checks of every spec share two processes (see
# `other_process_failures`); under pytest-xdist's `--dist loadgroup`
# (pytest.ini) this group runs on one worker, so they start once.
OTHER_PROCESSES_GROUP = pytest.mark.xdist_group("conformance_other_processes")


def _case(spec, check):
    marks = [OTHER_PROCESSES_GROUP] if check is check_serving_and_jax else []
    return pytest.param(
        spec, check, id=f"{check.__name__[len('check_'):]}-{spec.test_id}", marks=marks
    )


# Every check that applies to a spec; the recurrent contract's checks apply
# to cells and RNN layers only.
CASES = [_case(spec, check) for spec in SPECS for check in CHECKS if applies(check, spec)]


@pytest.fixture(scope="module")
def other_process_failures(request, tmp_path_factory):
    """`test_id -> failures` of the serving and JAX checks, run on first use.

    It runs them for the specs whose `serving_and_jax` case this session
    selected (all of them, or those `-k` keeps), together.
    """
    failures = {}

    def failures_of(spec):
        if spec.test_id not in failures:
            selected = [
                item.callspec.params["spec"]
                for item in request.session.items
                if getattr(item, "callspec", None) is not None
                and item.callspec.params.get("check") is check_serving_and_jax
            ]
            pending = [s for s in selected if s.test_id not in failures]
            if spec not in pending:
                pending.append(spec)
            failures.update(
                serving_and_jax_failures(pending, tmp_path_factory.mktemp("other_processes"))
            )
        return failures[spec.test_id]

    return failures_of


@pytest.mark.parametrize("spec,check", CASES)
def test_conformance(spec, check, tmp_path, request):
    if check is check_serving_and_jax:
        failures_of = request.getfixturevalue("other_process_failures")
        check(spec, tmp_path, failures=failures_of(spec))
    else:
        check(spec, tmp_path)


def test_every_public_layer_is_registered():
    registered = {spec.name for spec in SPECS}
    assert set(keras_memory.layers.__all__) <= registered


def test_every_serializable_layer_of_the_package_has_a_spec():
    """Every layer class the package registers with Keras (`.keras` files
    name it): those of `keras_memory.layers` and the applications' own
    (`CoordinateChannels` escaped the harness while only `layers.__all__`
    was read). The applications' models have their own tests."""
    import keras

    import keras_memory.applications  # noqa: F401  (registers their layers)

    serializable = {
        cls.__name__
        for key, cls in keras.saving.get_custom_objects().items()
        if key.startswith("keras_memory>")
        and isinstance(cls, type)
        and issubclass(cls, keras.layers.Layer)
        and not issubclass(cls, keras.Model)
    }
    assert serializable - {spec.name for spec in SPECS} == set()
    assert {spec.name for spec in SPECS} <= serializable | set(keras_memory.layers.__all__)
