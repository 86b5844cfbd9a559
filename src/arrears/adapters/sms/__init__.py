"""Text-message senders behind ``arrears.core.ports.SmsSender``: Twilio for real texts, and an
offline fake for development, the demo and the tests (``ARREARS_SMS_SENDER``)."""
