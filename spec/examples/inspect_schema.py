"""Load a standard schema and list what a device must save: sections and field offsets."""

from devstate.schema import find_schema_file, load_schema

schema = load_schema(find_schema_file("org.virtio.net@1.1").path)
print(schema.ident, "-", schema.title)
for section in schema.sections:
    optional = " (optional)" if section.optional else ""
    print(f"section {section.id} {section.name}{optional}")

queue = schema.struct("virtio.virtqueue")
for field in queue.fields:
    print(f"  virtqueue.{field.name}: offset {field.offset}, {field.type.fixed_size} bytes")
