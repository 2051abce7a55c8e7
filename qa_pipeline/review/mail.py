"""The optional e-mail hook: inspectors' notices also sent by SMTP, where a site has it.

Off unless ``QA_SMTP_HOST`` is set. Mail goes out after the write that caused it has
been committed, and a failure (no server, refused login, timeout) is logged and never
raised: a decision, an appeal or a night's queue never waits on, or fails for, e-mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa_pipeline.config import Settings

log = logging.getLogger(__name__)

__all__ = ["Mail", "MailSettings", "mail_settings", "notice_mail", "send_mails"]


@dataclass(frozen=True, slots=True)
class MailSettings:
    """Where and how to send (``QA_SMTP_*``).

    Attributes:
        host: The SMTP server.
        port: Its port (25; 587 with ``starttls``; 465 with ``tls``).
        sender: The ``From`` address.
        user: Login name, if the server wants one.
        password: Its password.
        starttls: Upgrade the connection with STARTTLS before logging in.
        tls: Connect with TLS from the start (SMTPS).
        timeout_s: Give up on the server after this many seconds.
        language: ``zh`` → Chinese mail, else English.
        base_url: The workbench's address, for a link in the mail.
    """

    host: str
    port: int = 25
    sender: str = "qa-workbench@localhost"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    tls: bool = False
    timeout_s: float = 10.0
    language: str = "zh"
    base_url: str | None = None


def mail_settings(settings: Settings) -> MailSettings | None:
    """The e-mail hook's settings from ``QA_SMTP_*``; ``None`` (off) without a host.

    Args:
        settings: The site's settings.

    Returns:
        What :func:`send_mails` needs, or ``None``.
    """
    host = (settings.smtp_host or "").strip()
    if not host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return MailSettings(
        host=host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        user=settings.smtp_user or None,
        password=password or None,
        starttls=settings.smtp_starttls,
        tls=settings.smtp_tls,
        timeout_s=settings.smtp_timeout_s,
        language=settings.language,
        base_url=settings.web_base_url,
    )


@dataclass(frozen=True, slots=True)
class Mail:
    """One message to one address."""

    to: str
    subject: str
    body: str


_TEXT = {
    "zh": {
        "assigned": ("质检复核：分配给您 {n} 项待复核", "新分配给您 {n} 项复核，最早截止 {due}。"),
        "due_soon": ("质检复核：{n} 项即将到期", "您有 {n} 项复核将在 24 小时内到期或已逾期。"),
        "appeal_waiting": (
            "质检复核：申诉待处理（通话 {call}）",
            "话务员对通话 {call} 的一项提出申诉，等待处理：{text}",
        ),
        "open": "打开质检工作台：{url}",
    },
    "en": {
        "assigned": (
            "QA review: {n} items assigned to you",
            "{n} items were assigned to you, first due {due}.",
        ),
        "due_soon": (
            "QA review: {n} items due soon",
            "{n} of your review items are due within 24 hours or overdue.",
        ),
        "appeal_waiting": (
            "QA review: an appeal waits (call {call})",
            "An agent appealed an item of call {call}: {text}",
        ),
        "open": "Open the QA workbench: {url}",
    },
}


def notice_mail(
    settings: MailSettings,
    to: str,
    kind: str,
    *,
    n: int = 0,
    due: str = "",
    call: str = "",
    text: str = "",
) -> Mail:
    """The message telling an inspector about ``kind`` (``assigned``, ``due_soon``, …).

    Args:
        settings: The site's mail settings (language, workbench address).
        to: The inspector's address.
        kind: ``assigned``, ``due_soon`` or ``appeal_waiting``.
        n: How many items (assigned, due soon).
        due: The first due time, as text (assigned).
        call: The call appealed (appeal_waiting).
        text: The appeal's reason, already redacted (appeal_waiting).

    Returns:
        The message.
    """
    words = _TEXT["zh" if settings.language.startswith("zh") else "en"]
    subject, body = words[kind]
    values = {"n": n, "due": due, "call": call, "text": text}
    lines = [body.format(**values)]
    if settings.base_url:
        url = settings.base_url.rstrip("/") + (
            "/appeals" if kind == "appeal_waiting" else "/review"
        )
        lines.append(str(words["open"]).format(url=url))
    return Mail(to, subject.format(**values), "\n\n".join(lines) + "\n")


def send_mails(settings: MailSettings | None, mails: Sequence[Mail]) -> int:
    """Send ``mails`` over one SMTP connection; failures are logged, never raised.

    Args:
        settings: The site's settings; ``None`` (no SMTP) sends nothing.
        mails: The messages.

    Returns:
        How many the server accepted.
    """
    if settings is None or not mails:
        return 0
    try:
        return _send(settings, mails)
    except (OSError, smtplib.SMTPException) as exc:  # OSError: refused, unreachable, timeout
        log.warning(
            "e-mail: %d notice(s) not sent via %s:%d: %s",
            len(mails),
            settings.host,
            settings.port,
            type(exc).__name__,
        )
        return 0


def _send(settings: MailSettings, mails: Sequence[Mail]) -> int:
    """Deliver over one connection; a message the server refuses is logged and skipped."""
    cls = smtplib.SMTP_SSL if settings.tls else smtplib.SMTP
    sent = 0
    with cls(settings.host, settings.port, timeout=settings.timeout_s) as smtp:
        if settings.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        for mail in mails:
            msg = EmailMessage()
            msg["From"] = settings.sender
            msg["To"] = mail.to
            msg["Subject"] = mail.subject
            msg.set_content(mail.body)
            try:
                smtp.send_message(msg)
                sent += 1
            except smtplib.SMTPRecipientsRefused:
                log.warning("e-mail: the server refused a recipient (%s)", mail.subject)
    return sent
