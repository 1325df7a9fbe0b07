"""Change signals: a feature says that something shown elsewhere changed; the features that
show it listen (blinker, the library Flask's own signals use).

A sender never imports its listeners, so a feature that builds on another
(embeds quote media's photos, posts show both) does not have to be imported
back by it. Listeners run inside the sender's transaction and only flush; the
content version moves with that flush, so cached pages follow too.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

directive_output_changed = _signals.signal("directive-output-changed")
"""What ``[[KIND:KEY]]`` shows has changed. ``sender`` is the kind ("photo", "gallery",
"social"), ``key`` the key. The posts feature re-renders every post using it; each receiver
returns how many posts (or directives) it re-rendered."""

photo_changed = _signals.signal("photo-changed")
"""``sender`` is a photo whose caption, alt text, credit or image changed. Features that show
photos (posts' photo and gallery directives, quoted posts' avatars) re-render what shows it."""

post_publishing = _signals.signal("post-publishing")
"""``sender`` is a post about to be published or scheduled. A receiver refuses by raising
``ValidationFailed`` (the media feature does, for photos without alt text)."""


def total(results) -> int:
    """The sum of the receivers' returned counts (``Signal.send`` gives (receiver, value) pairs)."""
    return sum(value or 0 for _, value in results)
