# A virtio-blk 1.2 state written by hand: only what differs from the defaults.
cat > blk0.json <<'JSON'
{
  "model": "org.virtio.blk",
  "version": "1.2",
  "sections": {
    "common": {"status": ["acknowledge", "driver", "features_ok", "driver_ok"], "num_queues": 1},
    "config": {"capacity": "0x200000", "blk_size": 512}
  }
}
JSON
devstate encode blk0.json -o blk0.dsf                 # everything else at its default
devstate decode blk0.dsf --json --hex > blk0-full.json   # the complete state, registers in hex
devstate encode blk0-full.json --strict -o again.dsf  # --strict: every field present, as decode prints
cmp blk0.dsf again.dsf && echo "same blob"
