"""Photos: upload, validation by decoding, metadata-free variants, serving, and the media library.

In a post's Markdown, a paragraph holding only a directive shows photos:

- ``[[photo:KEY]]``: one photo as ``<figure>`` with a responsive ``<img>`` and its caption and credit;
- ``[[gallery:KEY1,KEY2,...]]``: several photos in a grid, each with its own alt text and caption.

KEY is the short token the editor inserts on upload (shown in the photo library).
Feeds and email make its addresses absolute with ``blog.core.urls.absolutise_urls``.
"""
