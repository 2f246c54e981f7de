devstate schema list                        # every standard model and version
devstate schema show org.virtio.net@1.1     # sections and fields, with offsets and sizes
devstate schema dump org.virtio.net@1.1 > virtio-net-1.1.json   # the IR, for other tools
devstate validate schemas/                  # check schema files (yours too)
