"""Users: their sign-ins, sign-outs, sessions and passwords, as the audit trail keeps them."""
