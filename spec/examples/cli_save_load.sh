# net0.json: a virtio-net 1.1 state as JSON (the state the Python and C examples save).
devstate encode net0.json -o net0.dsf            # JSON state -> canonical DSF blob
devstate inspect net0.dsf                        # header, sections, checksum
devstate decode net0.dsf                         # every field with its offset and size
devstate decode net0.dsf --json > loaded.json    # and back to JSON:
diff net0.json loaded.json && echo "same state"
