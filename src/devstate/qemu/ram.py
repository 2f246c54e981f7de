"""RAM sections of a QEMU migration stream, skimmed without keeping a page (migration/ram.c).

A RAM record is a sequence of be64 words ``address | flags`` (the flags in the bits below
the target page size), each followed by what its flags say, until ``RAM_SAVE_FLAG_EOS``:

- ``MEM_SIZE`` (START only): the total RAM size is the address part; then, per RAM block
  until the sizes add up, u8 name length, name, be64 used length;
- ``ZERO``: a page filled with one byte (u8), ``PAGE``: a whole page of bytes; either is
  preceded by the block name (u8 length, name) unless ``CONTINUE`` says "same block";
- ``MULTIFD_FLUSH``: nothing follows.

``XBZRLE`` and ``HOOK`` (RDMA) pages and the postcopy / ignore-shared / mapped-ram layouts
are refused as unsupported, with their offset: devstate reads what a default precopy
migration writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devstate.qemu.stream import StreamError

if TYPE_CHECKING:
    from devstate.qemu.stream import RamSummary, _Cursor

RAM_VERSION = 4
ZERO = 0x002
MEM_SIZE = 0x004
PAGE = 0x008
EOS = 0x010
CONTINUE = 0x020
XBZRLE = 0x040
HOOK = 0x080
COMPRESS_PAGE = 0x100
MULTIFD_FLUSH = 0x200
KNOWN = ZERO | MEM_SIZE | PAGE | EOS | CONTINUE | MULTIFD_FLUSH
MAX_BLOCKS = 4096


def read_ram_record(c: _Cursor, ram: RamSummary, page_size: int, version_id: int, first: bool) -> None:
    """Read one RAM record's body (to its EOS word) into ``ram``'s counters."""
    if version_id != RAM_VERSION:
        raise StreamError("UNSUPPORTED_RAM", c.pos, f"RAM section version {version_id}; QEMU writes {RAM_VERSION}")
    block = ram.last_block  # QEMU's ram_block_from_stream keeps the block across records (a static)
    while True:
        at = c.pos
        word = c.be64("RAM address and flags")
        flags = word & (page_size - 1)
        address = word & ~(page_size - 1)
        if flags & (XBZRLE | HOOK | COMPRESS_PAGE) or flags & ~KNOWN:
            raise StreamError("UNSUPPORTED_RAM", at, f"RAM flags 0x{flags:x} (XBZRLE, RDMA or compressed pages "
                                                     "are not read)")
        if flags & MEM_SIZE:
            if not first or ram.blocks:
                raise StreamError("BAD_RAM", at, "RAM block list (MEM_SIZE) outside the START record")
            _read_blocks(c, ram, address)
        if flags & (ZERO | PAGE):
            block = ram.last_block = _page_block(c, ram, flags, block, at)
            if address + page_size > ram.blocks[block]:
                raise StreamError("BAD_RAM", at, f"page at 0x{address:x} is past the end of RAM block {block!r} "
                                                 f"({ram.blocks[block]} bytes)")
            if flags & ZERO:
                c.u8("zero page fill byte")
                ram.zero_pages += 1
            else:
                c.skip(page_size, "RAM page")
                ram.pages += 1
                ram.page_bytes += page_size
        if flags & EOS:
            return


def _read_blocks(c: _Cursor, ram: RamSummary, total: int) -> None:
    remaining = total
    while remaining > 0:
        at = c.pos
        name = c.name("RAM block name")
        length = c.be64("RAM block length")
        if name in ram.blocks or len(ram.blocks) >= MAX_BLOCKS:
            raise StreamError("BAD_RAM", at, f"RAM block {name!r} listed twice (or more than {MAX_BLOCKS} blocks)")
        if length == 0 or length > remaining:
            raise StreamError("BAD_RAM", at, f"RAM block {name!r} of {length} bytes does not fit the total "
                                             f"{total} ({remaining} left)")
        ram.blocks[name] = length
        remaining -= length


def _page_block(c: _Cursor, ram: RamSummary, flags: int, block: str | None, at: int) -> str:
    if flags & CONTINUE:
        if block is None:
            raise StreamError("BAD_RAM", at, "CONTINUE page with no block named before it")
        return block
    name = c.name("RAM block name")
    if name not in ram.blocks:
        raise StreamError("BAD_RAM", at, f"page of unknown RAM block {name!r}")
    return name
