"""Mutation testing of the compatibility checker against the codecs.

``mutants`` makes one-edit mutants of the standard schemas (each as a new minor and a new
major version); ``oracle`` loads states of one version with the reference codec of
another (ground truth); ``judge`` compares the checker's verdict per direction with it.
``python -m tools.mutation`` runs the whole set (or ``--sample``) and prints the
confusion table per edit kind; ``tests/compat/test_compat_mutation.py`` is the test.
"""
