"""Email senders behind ``arrears.core.ports.EmailSender`` (``ARREARS_EMAIL_SENDER``): SMTP for
real mail, a folder of ``.eml`` files for development and the demo (open one to see what a
consumer would have received), and an in-memory fake for the tests. All three build the same
message (``message.build_message``), so what a developer opens is what SMTP would carry."""
