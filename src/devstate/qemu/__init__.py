"""QEMU migration streams: reading them (``stream``), their self-description (``description``)
and the RAM sections (``ram``); QEMU's virtio devices through the standard models (``virtio``,
``extract``, ``inject``). See spec/qemu-vmstate.md and spec/qemu-virtio.md."""
