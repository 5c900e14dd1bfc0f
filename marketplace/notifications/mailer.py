"""The only module that talks SMTP."""

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


def send(to_address: str, subject: str, body_text: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="zhengshe.local")
    message.set_content(body_text)
    if not config.get("MAIL_SERVER"):
        # Development: show the mail where the developer is looking.
        print(f"\n----- mail to {to_address} -----\n{message}\n----- end of mail -----\n", flush=True)
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
