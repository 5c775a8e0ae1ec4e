"""A realistic sample fed through the public APIs, for `make demo`."""
