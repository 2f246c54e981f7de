"""The standard migration functions, one module per model (see devstate.compat.migrate)."""
