"""Embed code written after each platform's documented format (people and posts are fictional)."""

# publish.twitter.com: a blockquote.twitter-tweet, the text in <p lang dir>, links through t.co,
# mentions and hashtags as links with ?ref_src, then "&mdash; Name (@handle) <a>date</a>", then the script.
X_EMBED = (
    '<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Fascinating thread coming out of '
    '<a href="https://twitter.com/netguard_lab?ref_src=twsrc%5Etfw">@netguard_lab</a>&#39;s case '
    'formulation workshop today. Use <a href="https://twitter.com/hashtag/netGUARD?src=hash&amp;'
    'ref_src=twsrc%5Etfw">#netGUARD</a> to follow &amp; join in 🎉<br>Slides: '
    '<a href="https://t.co/AbCdEf1234">https://t.co/AbCdEf1234</a> '
    '<a href="https://t.co/PiCtUrE987">pic.twitter.com/PiCtUrE987</a></p>'
    '&mdash; Dr Rosa Lind (@rosalind_phd) '
    '<a href="https://twitter.com/rosalind_phd/status/1900112233445566778?ref_src=twsrc%5Etfw">'
    'March 12, 2025</a></blockquote> '
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
)

X_HOSTILE = (
    '<blockquote class="twitter-tweet" onmouseover="alert(1)"><p lang="en" dir="ltr">'
    'Click <a href="javascript:alert(document.cookie)">here</a> '
    '&lt;script&gt;alert("x")&lt;/script&gt; <img src="x" onerror="alert(2)"> '
    '<script>alert(3)</script>ok</p>&mdash; Mallory &lt;b&gt; (@mallory) '
    '<a href="https://twitter.com/mallory/status/1?ref_src=twsrc%5Etfw">March 1, 2025</a>'
    '</blockquote><script src="https://evil.example/x.js"></script>'
)

# embed.bsky.app: data-bluesky-uri/cid, text with <br>, an "[image or embed]" link for media,
# "&mdash; Name (<a href=profile>@handle</a>) <a href=post>Month D, YYYY at H:MM AM</a>".
BLUESKY_EMBED = (
    '<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abc123xyz/app.bsky.feed.post/3lk2abcdxyz2a" '
    'data-bluesky-cid="bafyreiexample" data-bluesky-embed-color-mode="system">'
    '<p lang="en">Our report on online harm is out today! 📄<br><br>Thanks '
    '@amara.example.org and everyone at #netGUARD — read it at https://example.org/report'
    '<br><br><a href="https://bsky.app/profile/did:plc:abc123xyz/post/3lk2abcdxyz2a?ref_src=embed">'
    '[image or embed]</a></p>&mdash; netGUARD lab (<a href="https://bsky.app/profile/did:plc:abc123xyz'
    '?ref_src=embed">@netguard.example.org</a>) <a href="https://bsky.app/profile/did:plc:abc123xyz/post/'
    '3lk2abcdxyz2a?ref_src=embed">March 14, 2025 at 9:05 AM</a></blockquote>'
    '<script async src="https://embed.bsky.app/static/embed.js" charset="utf-8"></script>'
)

# Mastodon 4.3+: blockquote.mastodon-embed with data-embed-url, inline styles, an SVG logo,
# "Post by @user@instance" and "View on Mastodon"; no text. Then the instance's embed.js.
MASTODON_EMBED = (
    '<blockquote class="mastodon-embed" data-embed-url="https://scholar.example.social/@okafor/113354496495487036/embed" '
    'style="background: #FCF8FF; border-radius: 8px; border: 1px solid #C9C4DA;"> '
    '<a href="https://scholar.example.social/@okafor/113354496495487036" target="_blank" '
    'style="align-items: center; color: #1C1A25; display: flex;"> '
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 79 75">'
    '<path d="M74.7135 16.6043" fill="currentColor"/></svg> '
    '<div style="color: #787588; margin-top: 16px;">Post by @okafor@scholar.example.social</div> '
    '<div style="font-weight: 500;">View on Mastodon</div> </a> </blockquote> '
    '<script data-allowed-prefixes="https://scholar.example.social/" async '
    'src="https://scholar.example.social/embed.js"></script>'
)

# Older instances: an iframe with class mastodon-embed.
MASTODON_IFRAME = (
    '<iframe src="https://scholar.example.social/@okafor/113354496495487036/embed" class="mastodon-embed" '
    'style="max-width: 100%; border: 0" width="400" allowfullscreen="allowfullscreen"></iframe>'
    '<script src="https://scholar.example.social/embed.js" async="async"></script>'
)

# Recorded oEmbed answers (as the endpoints return them; html abridged to the documented shape).
OEMBED_X = {
    "url": "https://twitter.com/rosalind_phd/status/1900112233445566778",
    "author_name": "Dr Rosa Lind",
    "author_url": "https://twitter.com/rosalind_phd",
    "html": ('<blockquote class="twitter-tweet"><p lang="en" dir="ltr">Do we need peer support circles '
             'for low-risk clients? <a href="https://twitter.com/hashtag/netGUARD?src=hash&amp;ref_src=twsrc'
             '%5Etfw">#netGUARD</a></p>&mdash; Dr Rosa Lind (@rosalind_phd) <a href="https://twitter.com/'
             'rosalind_phd/status/1900112233445566778?ref_src=twsrc%5Etfw">March 12, 2025</a></blockquote>\n'),
    "width": 550, "height": None, "type": "rich", "cache_age": "3153600000",
    "provider_name": "Twitter", "provider_url": "https://twitter.com", "version": "1.0",
}

OEMBED_MASTODON = {
    "type": "rich", "version": "1.0", "title": "New status by okafor",
    "author_name": "Amara Okafor", "author_url": "https://scholar.example.social/@okafor",
    "provider_name": "scholar.example.social", "provider_url": "https://scholar.example.social/",
    "cache_age": 86400, "html": MASTODON_EMBED, "width": 400, "height": None,
}

OEMBED_BLUESKY = {
    "type": "rich", "version": "1.0", "author_name": "netGUARD lab (@netguard.example.org)",
    "author_url": "https://bsky.app/profile/netguard.example.org", "provider_name": "Bluesky Social",
    "provider_url": "https://bsky.app", "cache_age": 86400, "width": 600, "height": None,
    "html": BLUESKY_EMBED,
}
