"""DKIM signatures (RFC 6376, with dkimpy) on every message the site sends.

``MessageTemplate.render`` in ``blog.core.mail`` builds every message, so it is
the one place that signs: confirmations, digests, announcements, invitations,
password resets and tests alike. Signing is on when ``DKIM_SELECTOR``,
``DKIM_DOMAIN`` and a private key (``DKIM_PRIVATE_KEY_FILE`` or
``DKIM_PRIVATE_KEY``) are configured.

The signature covers ``From``, ``Subject``, ``List-Unsubscribe`` and
``List-Unsubscribe-Post`` (RFC 8058 requires the last two to be signed for
one-click unsubscribe) and the other headers a reader relies on. Each of them
is listed once more than it occurs ("oversigning"), so nobody on the way can
add a second one without breaking the signature; a header the message does not
have (no List-Unsubscribe on a password reset) is thereby signed as absent.
Canonicalisation is relaxed/relaxed: relays that re-fold headers or change
trailing whitespace do not break it.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"list-id",
                  b"list-unsubscribe", b"list-unsubscribe-post", b"mime-version", b"content-type",
                  b"content-transfer-encoding")
# Signed once more than they occur, so none can be added (RFC 6376, section 8.15).
OVERSIGNED_HEADERS = (b"from", b"to", b"subject", b"date", b"reply-to", b"list-unsubscribe",
                      b"list-unsubscribe-post")


@dataclass(frozen=True)
class DkimSigner:
    selector: str
    domain: str
    private_key: bytes  # PEM

    def sign(self, raw: bytes) -> bytes:
        """``raw`` (CRLF line ends) with a ``DKIM-Signature`` header in front."""
        signature = dkim.sign(raw, self.selector.encode("ascii"), self.domain.encode("ascii"), self.private_key,
                              canonicalize=(b"relaxed", b"relaxed"),
                              include_headers=list(SIGNED_HEADERS + OVERSIGNED_HEADERS))
        return signature.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + raw


def signer_from_config(config) -> DkimSigner | None:
    """The signer the settings describe, or None when DKIM is off."""
    if not (config.get("DKIM_SELECTOR") and config.get("DKIM_DOMAIN") and config.get("DKIM_PRIVATE_KEY")):
        return None
    return DkimSigner(config["DKIM_SELECTOR"], config["DKIM_DOMAIN"], config["DKIM_PRIVATE_KEY"].encode("ascii"))


def new_private_key(bits: int = 2048) -> bytes:
    """A new RSA key as PEM (PKCS#8, unencrypted: the server must read it unattended)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def dns_txt_value(private_key_pem: bytes) -> str:
    """What the ``SELECTOR._domainkey.DOMAIN`` TXT record holds: ``v=DKIM1; k=rsa; p=...``."""
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    public = key.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode('ascii')}"


def dns_record(selector: str, domain: str, private_key_pem: bytes) -> str:
    """The zone-file line to publish, the value cut into quoted strings of at most 255 characters."""
    value = dns_txt_value(private_key_pem)
    chunks = " ".join(f'"{value[i:i + 255]}"' for i in range(0, len(value), 255))
    return f"{selector}._domainkey.{domain}. IN TXT ( {chunks} )"
