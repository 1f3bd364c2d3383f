"""What other apps may react to, without collect knowing them."""

from django.dispatch import Signal

# Sent inside the transaction that stored a page: survey, response, key_hash, completed.
response_saved = Signal()
