"""Resource limits a DSF reader enforces, configurable per call (and by CLI flags).

The defaults fit every standard schema with room to spare. A reader checks each limit
before it reads or allocates what the limit guards (see spec/wire-format.md, "Limits").
``Limits`` is the runtime's (``devstate.dsf1``): the generated codecs take the same one.
"""

from __future__ import annotations

from devstate.dsf1 import DEFAULT_LIMITS, Limits

__all__ = ["DEFAULT_LIMITS", "GIB", "MIB", "Limits"]

GIB = 1 << 30
MIB = 1 << 20
