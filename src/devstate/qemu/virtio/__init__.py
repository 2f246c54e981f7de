"""QEMU's virtio-pci device sections (virtio-net, virtio-blk): read, checked, written back, translated."""
