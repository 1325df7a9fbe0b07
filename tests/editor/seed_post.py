"""The reference write-up of ``shared/seed/`` as test input: its paragraphs as an author types them
(italics with Markdown's asterisks, the shortcut the editor turns into italics while typing), its
four X posts as the embed code X gives to copy, its pull quote and its two photo captions."""
from __future__ import annotations

TITLE = "“Internet-based Sex Offending” – an onlinePROTECT workshop"
SLUG = "internet-based-sex-offending-an-onlineprotect-workshop"

INTRO = [
    "On November 20th, 2014, *onlinePROTECT* hosted a full-day workshop entitled *Internet-based Sex "
    "Offending: Case Formulation and Intervention Planning* at Hamilton House, London. *onlinePROTECT* is an "
    "international research collaboration led by Dr Hannah Merdian (University of Lincoln) and Prof Derek "
    "Perkins (Surrey University & West London Mental Health NHS Trust). *onlinePROTECT* address the safety of "
    "children and young people in online and offline environments, by targeting the offenders who engage in "
    "online sex offences against minors, specifically those who view and produce Child Sexual Exploitation "
    "Material (CSEM).",
    "The workshop was to bring together a group of professionals working in the assessment, treatment, "
    "management, and rehabilitation of offenders who used the internet to sexually offend against children "
    "and young people, and to hear about the latest research developments on internet-based sex offending. "
    "Attendees would be trained on the Pathway Model of CSEM offending, a model developed as a result of the "
    "research *onlinePROTECT* have carried out with CSEM offenders, as well as receive a wide range of "
    "practical assessment tools for client work. The workshop also consisted of ample opportunity for "
    "attendees to discuss their own case material and issues with other professionals working in a similar "
    "field. The 21 workshop attendees represented a range of organisations, including psychologists, "
    "lawyers, and academics, as well as those working in the police, probation and not-for-profit "
    "organisations. The diverse range of attendees allowed for interesting and thought-provoking "
    "discussions throughout the day.",
    "The balance of the day consisted of interactive small group discussions, mixed with plenary "
    "discussions and more didactic presentations. The morning sessions consisted of the research background "
    "to internet-based sex offending, exploring offender characteristics, discussing risk and need, training "
    "in the *onlinePROTECT* Case Formulation Model and a more detailed look at practical tools for "
    "assessment. The afternoon allowed for practical case work, starting with a closer look at case "
    "formulation and case management, looking at aetiology and typology of internet-based sex offending, as "
    "well as risk assessment and intervention. This was followed by an opportunity for participants to "
    "utilise the learning from throughout the day to work on case examples, including attendees' own cases. "
    "The day closed with a summary of the day's learning points and action plans.",
    "The *onlinePROTECT* workshop received worldwide recognition, with other researchers in the field "
    "getting involved in discussions arising from the day via twitter – with the likes of Ian Elliott in "
    "Massachusetts (USA) and Michael Seto in Ontario (Canada), as well as many others (see below)!",
]

AFTER_QUOTES = (
    "All in all, the *onlinePROTECT* workshop appears to have been a huge success, with much positive "
    "feedback received and many new discussions arising. The workshop ended on a positive and motivational "
    "note, with one of the key points to take away at the end of the workshop being that there is hope."
)
PULL_QUOTE = "“A sense of hope is absolutely essential... there is a light at the end of the tunnel”"
PULL_QUOTE_BY = "the workshop's closing message"
CLOSING = (
    "How can we sustain this message of hope for offenders when treatment ends? *onlinePROTECT* would like "
    "to say a big thank everyone to everyone that attended and contributed to the *Internet-based Sex "
    "Offending* workshop. Watch this space for future *onlinePROTECT* events!"
)

SELFIE_ALT = "Prof Derek Perkins and Dr Hannah Merdian smiling into a phone camera"
SELFIE_CAPTION = ("An obligatory “selfie” from the lead researchers of onlinePROTECT: Prof Derek Perkins and "
                  "Dr Hannah Merdian.")
TEAM_ALT = "Four people standing side by side in a meeting room"
TEAM_CAPTION = ("The wider onlinePROTECT team, from left to right: Danielle Kettleborough (PhD Student), Dr "
                "Hannah Merdian (University of Lincoln), Prof Derek Perkins (Surrey University & West London "
                "Mental Health NHS Trust), and Anisah Ebrahimjee (MSc Student).")

EVENT_TITLE = "Internet-based Sex Offending: Case Formulation and Intervention Planning"
EVENT_DAY = "2014-11-20"
EVENT_VENUE = "Hamilton House, London"


def x_embed(name: str, handle: str, status: int, html_text: str, day: str) -> str:
    """Embed code as X's "Embed post" gives it, platform script included."""
    return (f'<blockquote class="twitter-tweet"><p lang="en" dir="ltr">{html_text}</p>&mdash; {name} '
            f'(@{handle}) <a href="https://twitter.com/{handle}/status/{status}?ref_src=twsrc%5Etfw">{day}'
            f'</a></blockquote> <script async src="https://platform.twitter.com/widgets.js" '
            f'charset="utf-8"></script>')


def _mention(handle: str) -> str:
    return f'<a href="https://twitter.com/{handle}?ref_src=twsrc%5Etfw">@{handle}</a>'


def _tag(tag: str) -> str:
    return f'<a href="https://twitter.com/hashtag/{tag}?src=hash&amp;ref_src=twsrc%5Etfw">#{tag}</a>'


ELLIOTT_WORKSHOP = x_embed(
    "Ian Elliott", "ianaelliott", 535620000000000001,
    f"Fascinating tweets coming out of {_mention('online_PROTECT')}&#39;s case formulation workshops today. "
    f"Use {_tag('onlinePROTECT')} to view the discussion.", "November 21, 2014")
QUESTION = x_embed(
    "onlinePROTECT", "online_PROTECT", 535610000000000002,
    f"Do we need Circles of Support &amp; Accountability (CoSA) for low risk offenders? {_tag('onlinePROTECT')}",
    "November 20, 2014")
ELLIOTT_REPLY_1 = x_embed(
    "Ian Elliott", "ianaelliott", 535619000000000003,
    f"{_mention('online_PROTECT')} 1. IOs don&#39;t fit CoSA criteria 2. Anti-RNR 3. May divert CoSA "
    f"resources away from suitable potential CMs {_tag('zerosum')}", "November 21, 2014")
ELLIOTT_REPLY_2 = x_embed(
    "Ian Elliott", "ianaelliott", 535618000000000004,
    f"{_mention('online_PROTECT')} Misguided allocation of resources IMO. Sledgehammer/nut metaphor comes to "
    f"mind in using CoSA for low-risk IO clients.", "November 21, 2014")
QUESTION_LIKES = "1"
