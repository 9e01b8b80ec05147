"""Helpers every test folder may import: model factories and the black-box HTTP helpers."""
