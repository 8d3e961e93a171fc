"""``camsight export`` and ``camsight keys``: signed evidence packages and the box's signing key (docs/evidence.md).

``camsight export EVENT_ID -o DIR`` is short for ``camsight export event EVENT_ID -o DIR``: the group
sends anything that is not one of its commands to ``event`` (event ids are hexadecimal, so no id is
ever taken for ``verify``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from camsight.cli.common import ConfigOption, DbOption, actor, console, console_err, load, store_for
from camsight.cli.live import EventArg, NoBlurOption, PostOption, PreOption
from camsight.services import evidence


class _ExportGroup(TyperGroup):
    """A group whose default command is ``event``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer vendors click: its Context is private
        """Route ``export EVENT_ID ...`` to ``export event EVENT_ID ...``."""
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["event", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=_ExportGroup,
    no_args_is_help=True,
    help="Evidence packages: `camsight export EVENT_ID -o DIR` writes one (short for `export event`), "
    "`camsight export verify DIR` checks one. See docs/evidence.md.",
)

FolderOption = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="A new folder for the package (an existing one must be empty; it is never written into otherwise). "
        "Made owner-only (0700, files 0600).",
    ),
]
FolderArg = Annotated[Path, typer.Argument(help="The package's folder, as `camsight export` wrote it.")]
KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="The public key the package must be signed with: as `camsight keys` prints it (base64), its "
        "fingerprint, or a file holding either or a PEM public key.",
        show_default=False,
    ),
]


@app.command("event")
def export_command(
    event_id: EventArg,
    output: FolderOption,
    config: ConfigOption = None,
    db: DbOption = None,
    pre: PreOption = None,
    post: PostOption = None,
    no_blur: NoBlurOption = False,
) -> None:
    """Write an event's evidence package into a new folder (`camsight export EVENT_ID -o DIR` is short for this).

    The clip (heads blurred unless --no-blur), the event with its verdict, its tracks and its audit rows,
    with a manifest of every file's SHA-256 signed by this box's key (docs/evidence.md). An admin action,
    written to the audit log as evidence.export with the manifest's SHA-256.
    """
    cfg = load(config)
    store = store_for(cfg, db)
    done = evidence.export(
        store,
        actor=actor(),
        config=cfg,
        ref=event_id,
        folder=output,
        pre_s=cfg.recording.pre_s if pre is None else pre,
        post_s=cfg.recording.post_s if post is None else post,
        blur=not no_blur,
    )
    if done.key_created:
        console_err.print(f"made this box's signing key: {done.key_path} (owner-only; back it up)", soft_wrap=True)
    how = "heads blurred" if done.clip.blurred else "heads NOT blurred"
    console_err.print(
        f"wrote evidence package {done.folder}: {evidence.CLIP} ({done.clip.duration_s:.1f} s, {how}), "
        f"{evidence.EVENT}, {evidence.TRACKS} ({done.tracks} track(s)), {evidence.AUDIT} ({done.audit_rows} row(s))",
        soft_wrap=True,
    )
    if not done.chain.ok:
        console_err.print(f"warning: {done.chain.describe()} (recorded in {evidence.AUDIT})", soft_wrap=True)
    console_err.print(
        f"signed by {done.manifest.public_key_fingerprint}; check it with: camsight export verify {done.folder}",
        soft_wrap=True,
    )


@app.command("verify")
def verify_command(folder: FolderArg, key: KeyOption = None, config: ConfigOption = None, db: DbOption = None) -> None:
    """Check a package: its signature, every file's size and SHA-256, nothing missing or extra.

    Needs no store. Without --key it also says whether this box's key signed it, when this box's
    store (--config/--db) has a key. Exits 0 when intact, 1 on the first problem found, 2 on bad input.
    """
    expected = None if key is None else evidence.expected_fingerprint(key)
    box = None if expected is not None else evidence.box_key(config=load(config), db=db)
    console.print(evidence.verify(folder=folder, expected=expected, box=box).describe(), soft_wrap=True)


def keys_command(config: ConfigOption = None, db: DbOption = None) -> None:
    """Print this box's public signing key and its fingerprint (the key is made at first need, never shown)."""
    store = store_for(load(config), db)
    key = evidence.signing_key(store, actor=actor())
    if key.created:
        console_err.print(f"made this box's signing key: {key.path} (owner-only; back it up)", soft_wrap=True)
    console.print(f"public key (Ed25519): {key.public.text}", soft_wrap=True)
    console.print(f"fingerprint (SHA-256): {key.public.fingerprint}", soft_wrap=True)
