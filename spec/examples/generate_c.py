"""Generate the C codec of org.virtio.net 1.1 (one .h, one .c) and the DSF runtime it links with."""

from pathlib import Path

from devstate.emit.c import emit_c, emit_c_runtime
from devstate.schema import find_schema_file, load_schema

schema = load_schema(find_schema_file("org.virtio.net@1.1").path)
files = {**emit_c_runtime(), **emit_c(schema)}  # dsf1.h, dsf1.c, dsf1_errors.h, org_virtio_net_v1_1.{h,c}
for name, text in files.items():
    Path(name).write_text(text, encoding="utf-8")
    print("wrote", name)
