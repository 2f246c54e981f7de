"""The vendor A → vendor B demo: two independent device implementations migrate through devstate.

``examples/vendor_a`` is a virtio-net device written in C (built here with the system C
compiler against a generated C codec), ``examples/vendor_b`` one written in Python (using
only the generated Python codec). Neither knows the other's internal layout; they share
the standard schema org.virtio.net and the DSF wire format. ``run_demo`` builds vendor A,
then runs ``cases.CASES`` — each a migration with every step shown (describe, check,
save, inspect, decode, convert, load, compare field by field) — and a summary.
``devstate demo`` is its command line.
"""

from devstate.demo.devices import DemoError
from devstate.demo.runner import DemoResult, Options, run_demo

__all__ = ["DemoError", "DemoResult", "Options", "run_demo"]
