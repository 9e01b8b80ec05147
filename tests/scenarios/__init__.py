"""API.md's money rules as black-box scenarios exact to the cent, and random histories against a reference model."""

import pytest

# The property test's model and checks live beside it, not in test modules: have pytest rewrite their asserts too.
pytest.register_assert_rewrite("tests.scenarios.reference_model", "tests.scenarios.model_checks")
