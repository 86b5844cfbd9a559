"""Card payment gateways behind ``arrears.core.ports.PaymentGateway``: Stripe for real money,
and an offline fake for development, the demo and the tests (``ARREARS_CARD_GATEWAY``)."""
