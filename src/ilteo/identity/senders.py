"""Sender adapters: how a code leaves ilteo, as a text message or a voice call.

A :class:`Sender` has one method, ``send(channel, to_number, text)``; the phone sign-in room
(:mod:`ilteo.identity.phone`) composes the text and never knows the gateway. The ``phone_sender``
setting names the adapter in :data:`SENDERS`. Built in is :class:`OutboxSender`, the
development adapter: instead of a telephone network it writes an ``identity_outbox`` row, which
``ilteo identity outbox`` and the tests read. A production gateway (an SMS/ARS provider's API)
plugs in as one more entry of :data:`SENDERS` and one more value of the setting.

The outbox holds the recipient and the text sealed (:func:`ilteo.core.crypto.seal`), plus a
masked recipient for display, so a copy of the database reveals neither numbers nor codes; codes
in it die after five minutes anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ilteo.core.errors import ConfigurationError
from ilteo.identity.accounts import as_utc, utcnow
from ilteo.identity.phone import CHANNELS, Channel, mask_number
from ilteo.identity.phone_models import OutboxMessage

#: Purpose under which the outbox seals recipients and texts.
OUTBOX_SEAL_PURPOSE = "identity.outbox"


class Sender(Protocol):
    """Delivers a text message or a voice call (the text is read aloud)."""

    def send(self, channel: Channel, to_number: str, text: str) -> None:
        """Send ``text`` to ``to_number`` (national digits) by ``channel`` (sms or voice)."""


class OutboxSender:
    """The development sender: each message becomes an ``identity_outbox`` row."""

    def __init__(self, session: Session, key: str) -> None:
        """Write into ``session``'s transaction, sealing under ``key`` (the secret key)."""
        self._session = session
        self._key = key

    def send(self, channel: Channel, to_number: str, text: str) -> None:
        """Store the message; the recipient is kept masked and sealed, the text sealed."""
        from ilteo.core.crypto import seal

        if channel not in CHANNELS:
            raise ValueError(f"unknown channel: {channel!r}")
        self._session.add(
            OutboxMessage(
                created_at=utcnow(),
                channel=channel,
                recipient_masked=mask_number(to_number),
                recipient_sealed=seal(self._key, OUTBOX_SEAL_PURPOSE, to_number),
                text_sealed=seal(self._key, OUTBOX_SEAL_PURPOSE, text),
            )
        )
        self._session.flush()


#: Sender adapters by the name the ``phone_sender`` setting uses.
SENDERS: dict[str, Callable[[Session, str], Sender]] = {"outbox": OutboxSender}


def get_sender(name: str, *, session: Session, key: str) -> Sender:
    """The sender named by the ``phone_sender`` setting, bound to ``session``.

    Raises:
        ConfigurationError: For a name that no adapter registered.
    """
    factory = SENDERS.get(name)
    if factory is None:
        raise ConfigurationError(
            f"ILTEO_PHONE_SENDER={name!r}: 알 수 없는 발송기 / unknown sender "
            f"(known: {', '.join(sorted(SENDERS))})"
        )
    return factory(session, key)


@dataclass(frozen=True)
class OutboxEntry:
    """One message of the development outbox, unsealed for the person testing."""

    id: int
    created_at: datetime
    channel: str
    recipient: str
    text: str


def list_outbox(session: Session, *, key: str, limit: int = 20) -> list[OutboxEntry]:
    """The newest messages of the outbox (recipients masked, texts unsealed), newest first.

    A message sealed under an older secret key shows an empty text.
    """
    from ilteo.core.crypto import SealedValueError, unseal

    rows = session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(max(1, limit))
    )
    entries = []
    for row in rows:
        try:
            text = unseal(key, OUTBOX_SEAL_PURPOSE, row.text_sealed)
        except SealedValueError:
            text = ""
        entries.append(
            OutboxEntry(row.id, as_utc(row.created_at), row.channel, row.recipient_masked, text)
        )
    return entries
