"""What the C and Rust emitters ask of a section: standard or vendor, its path, an opaque payload's bound.

Sections are not type expressions (they have no ``kind`` and are not visited); the few
places that tell a vendor section from a standard one ask ``is_vendor``, the one guard.
"""

from __future__ import annotations

from typing import TypeGuard

from devstate import ir

AnySection = ir.Section | ir.VendorSection


def is_vendor(section: AnySection) -> TypeGuard[ir.VendorSection]:
    """Whether ``section`` is a vendor section (it has a vendor header and may be opaque)."""
    return isinstance(section, ir.VendorSection)


def section_path(section: AnySection) -> str:
    """``$.sections.<name>`` or ``$.vendor_sections.<name>``: the section's place in a state."""
    group = "vendor_sections" if is_vendor(section) else "sections"
    return f"$.{group}.{section.name}"


def opaque_max(section: AnySection) -> int:
    """The byte bound of an opaque section's payload (a vendor section without a schema type)."""
    assert is_vendor(section) and section.type is None and section.max is not None, "an opaque section has a max"
    return section.max
