"""The conventions every ``devstate`` verb follows: a section of the generated CLI reference page.

Kept here, next to the page's generator, so that one page says what ``devstate --help``
summarises; ``tests/docs/test_docs_cli_conventions.py`` loads its ``devstate.toml`` example
and runs its commands' forms, so the text cannot drift from the CLI.
"""

from __future__ import annotations

CONFIG_EXAMPLE = """\
schemas-dir = "schemas"        # --schemas-dir of every verb, and where MODEL@VERSION names are found
max-total-size = 67108864      # a reader limit (--max-total-size, --max-region-size, --max-depth,
                               # --max-sections, --max-unknown-sections) of every verb that reads blobs
[encode]                       # one verb's options, by their long name
strict = true
[compat]
format = "github"              # --format github
[fleet]                        # a group's table: every fleet subcommand that has the option
strict = true
[schema.json-schema]           # one subcommand's
strict = true
"""

CLI_CONVENTIONS = f"""\
## Conventions {{#conventions}}

**Names and files.** A schema is named `MODEL@VERSION` (or by its file). Every file argument
may be `-`: standard input where the verb reads (only one input of a verb can be `-`), standard
output where it writes. `devstate validate -` reads one schema from standard input and names it
`<stdin>` in its errors. An output that is a directory (`gen -o`, `import-vmstate -o`,
`qemu extract -o`, `demo --keep`) cannot be `-` (`USAGE`).

**Output.** `--json` prints one JSON document on standard output, for every verb (`template`
and `schema json-schema` print JSON anyway). `--format github` prints findings as GitHub Actions
annotations (`validate`, `compat`).

**Errors.** An error is one line on standard error naming a stable code,
`devstate: error: CODE: message` (the codes: [security](../security.md#cli-errors)); with
`--json` the error is also a document on standard output, and nothing else is:
`{{"error": {{"code", "message", ...}}}}` with the `file`, `offset` and `path` where they apply.
Exit status: 0 success, 1 the input is invalid or incompatible, 2 a usage or I/O error.

**Project configuration.** Option defaults come from a `devstate.toml` in the working directory
or the nearest parent (`--config FILE` names one, `--no-config` ignores it); the command line
always wins, and `DEVSTATE_SCHEMAS` wins over `schemas-dir`. Relative paths are relative to the
file:

```toml
{CONFIG_EXAMPLE}```

A key that is no option of its verb, a table that names no verb, or a value the option does not
take is refused when the verb runs: `devstate: error: CONFIG_INVALID: FILE: [encode] unknown key
'bogus' (options of devstate encode: ...)`, exit status 2.

**Shell completion** (click's): add `eval "$(_DEVSTATE_COMPLETE=bash_source devstate)"` to
`~/.bashrc`, `eval "$(_DEVSTATE_COMPLETE=zsh_source devstate)"` to `~/.zshrc`, or
`_DEVSTATE_COMPLETE=fish_source devstate | source` to fish's config. Verbs, options and
choices complete; files complete as usual.
"""
