"""Schema files → IR: reading YAML with positions, meta-schema check, semantic build."""

from devstate.schema.loader import SchemaLoader, load_schema
from devstate.schema.registry import find_schema_file, schema_files, standard_schemas_dir

__all__ = ["SchemaLoader", "find_schema_file", "load_schema", "schema_files", "standard_schemas_dir"]
