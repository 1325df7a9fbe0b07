"""Quoted social posts (X/Twitter, Mastodon, Bluesky) kept as snapshots, shown as cards.

How authors use it
------------------
- In the post editor, the "Quote a social post" button (or the toolbar's social button), or
  pasting a post's address or the platform's embed code into the body, opens a form filled in
  from what was pasted (``/embeds/api/parse``; nothing is fetched from the platform unless
  ``ALLOW_OEMBED_FETCH`` is on). Saving inserts the directive at the cursor.
- ``/embeds/`` lists, edits (with history and restore) and, for editors, deletes snapshots.

Directive syntax (a paragraph of its own in the Markdown)
---------------------------------------------------------
- ``[[social:KEY]]``: one card; a reply shows the post it answers above it.
- ``[[social:KEY1,KEY2,...]]``: a conversation; a post several of them answer is shown once.
  (The editor joins a reply saved right after its parent's or a sibling's directive into it.)

KEY is the snapshot's short key (lowercase letters, digits, hyphens), made from the handle
(``rosalind-phd-k3m9``) or chosen when creating; it never changes, so it survives copy and paste.
Editing a snapshot re-renders every post showing it or a reply to it.
"""
