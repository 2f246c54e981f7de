"""The QEMU VMState bridge: read ``-dump-vmstate`` descriptions, import them as devstate
schema skeletons, and compare two descriptions with QEMU's own loading rules."""
