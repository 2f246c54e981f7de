"""Save a virtio-net device's state on the source and load it on the destination."""

from pathlib import Path

from devstate.interp import decode, encode
from devstate.schema import find_schema_file, load_schema
from devstate.state import default_state, struct_default
from devstate.wire import DecodeError

schema = load_schema(find_schema_file("org.virtio.net@1.1").path)

# Source: start from the defaults (the "old behaviour" of every field) and fill in
# what the device holds. Flags are lists of set bit names, enums are member names.
state = default_state(schema)
common = state["sections"]["common"]
common["status"] = ["acknowledge", "driver", "driver_ok", "features_ok"]
common["num_queues"] = 2
for index in range(2):  # receiveq1, transmitq1
    queue = struct_default(schema, schema.struct("virtio.virtqueue"))
    queue.update(size=256, enabled=True, desc_addr=0x1000_0000 + index * 0x10000)
    queue.update(last_avail_idx=17 + index, used_idx=17 + index)
    state["sections"]["queues"].append(queue)
state["sections"]["config"]["mac"] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]
state["sections"]["config"]["status"] = ["link_up"]
state["sections"]["ctrl"]["curr_queue_pairs"] = 1

blob = encode(schema, state)  # canonical: the same state always gives the same bytes
Path("net0.dsf").write_bytes(blob)
print(f"saved {len(blob)} bytes")

# Destination: any implementation of org.virtio.net 1.x loads the same blob.
loaded = decode(schema, Path("net0.dsf").read_bytes())
assert loaded["sections"]["queues"][1]["last_avail_idx"] == 18
assert encode(schema, loaded) == blob
print("loaded MAC", ":".join(f"{b:02x}" for b in loaded["sections"]["config"]["mac"]))

# Damaged or hostile input is refused with a stable error code, offset and field path.
damaged = bytearray(blob)
damaged[60] ^= 0xFF
try:
    decode(schema, bytes(damaged))
except DecodeError as error:
    print("refused:", error.code, "at offset", error.offset)
