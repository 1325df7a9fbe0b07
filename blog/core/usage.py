"""Where is this used: one answer for every shared object (a photo, a quoted social post).

Shared objects are shown by many things (posts, events, other snapshots, the
about page in site settings), each owned by a different feature. Features do not
import each other for this: at app start each one registers

- ``register_reference(directive, kind)``: its Markdown directive names objects of
  ``kind`` (``[[gallery:a,b]]`` names photos), so any feature's Markdown can be searched;
- ``register_finder(kind, finder)``: ``finder(obj)`` returns the :class:`Usage` rows of
  the things *it* owns that show ``obj``.

Usages are followed transitively: a photo used as a snapshot's avatar appears
in every post that shows the snapshot.

The permission rule for shared objects lives here too (:func:`require_change`):
changing or deleting something that appears in published content needs the
right to edit every published item that shows it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from blog.core.markdown import directives_in
from blog.errors import NotAllowed, ValidationFailed


@dataclass(eq=False)
class Usage:
    """One thing that shows a shared object."""

    kind: str  # "post", "event", "snapshot", "settings" (standalone pages can add theirs)
    obj: object
    title: str
    published: bool  # readers can see it now (or it is scheduled to appear)
    can_edit: Callable[[object], bool] = field(repr=False)  # can_edit(user)
    endpoint: str = ""  # where an editor changes it: url_for(endpoint, **values)
    values: dict = field(default_factory=dict)


Finder = Callable[[object], Iterable[Usage]]

_references: dict[str, str] = {}
_finders: dict[str, list[Finder]] = {}


def register_reference(directive: str, kind: str) -> None:
    """``[[directive:KEY1,KEY2]]`` in Markdown shows the objects of ``kind`` with those keys."""
    _references[directive] = kind


def register_finder(kind: str, finder: Finder) -> None:
    """Add ``finder(obj)``: the usages of an object of ``kind`` within one feature."""
    if finder not in _finders.setdefault(kind, []):
        _finders[kind].append(finder)


def shows(markdown: str, kind: str, key: str) -> bool:
    """Whether ``markdown`` has a directive that shows the object of ``kind`` with ``key``."""
    if not markdown or key not in markdown:
        return False
    return any(_references.get(directive) == kind and key in [k.strip() for k in value.split(",")]
               for directive, value in directives_in(markdown))


def usages(kind: str, obj, *, transitive: bool = True) -> list[Usage]:
    """Everything that shows ``obj``, directly or (``transitive``) through another shared object, once each."""
    found: list[Usage] = []
    seen: set[tuple[str, int]] = {(kind, id(obj))}
    pending = [(kind, obj)]
    while pending:
        current_kind, current = pending.pop(0)
        for finder in _finders.get(current_kind, ()):
            for usage in finder(current):
                if (usage.kind, id(usage.obj)) in seen:
                    continue
                seen.add((usage.kind, id(usage.obj)))
                found.append(usage)
                if transitive and usage.kind in _finders:
                    pending.append((usage.kind, usage.obj))
    return found


def published_usages(kind: str, obj) -> list[Usage]:
    return [usage for usage in usages(kind, obj) if usage.published]


KIND_NAMES = {"post": ("post", "posts"), "event": ("event", "events"), "snapshot": ("quote", "quotes"),
              "settings": ("site setting", "site settings")}


def _titles(items: list[Usage]) -> str:
    return ", ".join(f"“{u.title}”" for u in items[:3]) + (" and others" if len(items) > 3 else "")


def describe(items: list[Usage]) -> str:
    """“2 posts and 1 event (“A”, “B”, “C”)”: what readers see first, quotes last."""
    items = sorted(items, key=lambda u: u.kind == "snapshot")
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    parts = []
    for kind, count in counts.items():
        singular, plural = KIND_NAMES.get(kind, (kind, kind + "s"))
        parts.append(f"{count} {singular if count == 1 else plural}")
    return (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]) + f" ({_titles(items)})"


def require_change(kind: str, obj, *, by) -> None:
    """:raise NotAllowed: unless ``by`` may edit every published item that shows ``obj``.

    Changing a shared object changes what readers see in all of them, so it
    needs the rights that changing each of them would.
    """
    refused = [u for u in published_usages(kind, obj) if not u.can_edit(by)]
    if refused:
        raise NotAllowed(f"This is shown in published content you cannot edit: {describe(refused)}. "
                         f"Ask an editor to change it.")


def require_unused(kind: str, obj, *, noun: str, found: list[Usage] | None = None) -> None:
    """:raise ValidationFailed: while anything shows ``obj`` (deleting it would break them).

    ``found`` replaces the default of every usage, direct or not.
    """
    found = usages(kind, obj) if found is None else found
    if found:
        raise ValidationFailed(f"This {noun} is used in {describe(found)}; remove it from them before deleting it.")
