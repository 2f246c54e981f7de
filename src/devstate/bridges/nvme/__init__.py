"""The NVMe controller state bridge (TP4159 live-migration controller state ⇄ devstate state)."""

from devstate.bridges.nvme.compile import NvmeMapping, compile_mapping
from devstate.bridges.nvme.convert import ExportResult, ImportResult, describe_state, export_state, import_state
from devstate.bridges.nvme.rules import read_state
from devstate.bridges.nvme.stream import (
    ControllerState,
    Transfer,
    check_sequence,
    encode_state,
    join_transfers,
    parse_state,
    split_transfers,
)
from devstate.bridges.nvme.tables import DEFAULT_LAYOUT, LAYOUTS, SeqInd

__all__ = ["DEFAULT_LAYOUT", "LAYOUTS", "ControllerState", "ExportResult", "ImportResult", "NvmeMapping", "SeqInd",
           "Transfer", "check_sequence", "compile_mapping", "describe_state", "encode_state", "export_state",
           "import_state", "join_transfers", "parse_state", "read_state", "split_transfers"]
