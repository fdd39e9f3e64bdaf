"""Pandera schemas for every extract kind and the Dagster asset checks built on them."""
