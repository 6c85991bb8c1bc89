"""Tests of the store: migrations, column types and constraints on both dialects."""
