"""Generate the C codec of org.virtio.net 1.1: one .h and one .c, C99 and libc only."""

from pathlib import Path

from devstate.emit.c import emit_c
from devstate.schema import find_schema_file, load_schema

schema = load_schema(find_schema_file("org.virtio.net@1.1").path)
for name, text in emit_c(schema).items():  # org_virtio_net_v1_1.h, org_virtio_net_v1_1.c
    Path(name).write_text(text, encoding="utf-8")
    print("wrote", name)
