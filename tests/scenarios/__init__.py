"""API.md's money rules as black-box scenarios exact to the cent, and random histories against a reference model."""
