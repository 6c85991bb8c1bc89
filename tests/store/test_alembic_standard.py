"""pytest-alembic's standard tests, on both dialects (see ``alembic_engine`` in conftest)."""

from pytest_alembic.tests import (  # noqa: F401  (collected here as tests)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
