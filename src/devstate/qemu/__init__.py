"""QEMU migration streams: reading them (``stream``), their self-description (``description``)
and the RAM sections (``ram``). See spec/qemu-vmstate.md for the format as QEMU writes it."""
