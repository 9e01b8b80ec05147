"""The finance back office: the Django admin and the end-to-end browser test."""
