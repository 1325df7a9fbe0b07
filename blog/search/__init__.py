"""Full-text search of posts, pages, events, people, publications (and, for the editor, photos)."""
