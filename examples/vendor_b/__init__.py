"""pynic: vendor B's virtio-net device model, in Python.

Loads and saves org.virtio.net state through the generated Python codec
(``devstate_codecs``, standard library only); it does not use the devstate toolkit.
Run it as ``python -m vendor_b --help`` with ``examples/`` and ``codegen/python`` on the
path (the demo runs it that way, with ``python -S``: no site-packages at all).
"""
