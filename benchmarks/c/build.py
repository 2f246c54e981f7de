"""Build the C benchmark driver of one model (see README.md in this directory).

    python benchmarks/c/build.py org.virtio.net@1.1 --out /tmp/bench   # prints the executable's path

or, from Python: ``build(ident, out_dir) -> Path``. The driver links the committed codec in
codegen/c/ (``devstate gen --check`` keeps it fresh) and is compiled with -O2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from pathlib import Path

from devstate.emit import module_stem
from devstate.ir import Version

HERE = Path(__file__).resolve().parent
CODEGEN = HERE.parent.parent / "codegen" / "c"
FLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-pedantic"]


def compiler() -> str:
    """``$CC``, else gcc, else clang."""
    for candidate in (os.environ.get("CC"), "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return candidate
    raise RuntimeError("no C compiler (install gcc or clang)")


def build(ident: str, out_dir: Path, cc: str | None = None, extra_flags: list[str] | None = None,
          codegen: Path | None = None) -> Path:
    """Compile ``bench_driver`` for ``MODEL@VERSION`` into ``out_dir``; returns the executable.

    ``codegen`` is the directory with the generated ``<prefix>.h``/``.c`` (default: codegen/c/;
    pass another for a schema that is not standard, after ``devstate gen --lang c -o DIR``).
    """
    model, _, version = ident.partition("@")
    prefix = module_stem(model, Version.parse(version))
    codegen = codegen or CODEGEN
    source = codegen / f"{prefix}.c"
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist; run `devstate gen --lang c`")
    out_dir.mkdir(parents=True, exist_ok=True)
    executable = out_dir / f"bench_{prefix}"
    command = [cc or compiler(), *FLAGS, *(extra_flags or []), f"-DDS_PREFIX={prefix}",
               f'-DDS_HEADER="{prefix}.h"', f"-I{codegen}", str(HERE / "bench_driver.c"), str(source),
               str(codegen / "dsf1.c"),
               "-o", str(executable)]
    subprocess.run(command, check=True)
    return executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="MODEL@VERSION, e.g. org.virtio.net@1.1")
    parser.add_argument("--out", type=Path, default=Path("build/bench-c"), help="output directory")
    parser.add_argument("--cc", help="the C compiler (default: $CC, gcc, clang)")
    args = parser.parse_args()
    print(build(args.model, args.out, args.cc))


if __name__ == "__main__":
    main()
