"""What other apps may react to, without collect knowing them."""

from django.dispatch import Signal

# Sent when a page is stored (inside its transaction): survey, response, key_hash, created,
# completed, and key_state: what `keys.key_state` said of the key when its response was
# created ("invited" for a personal link, None for a public one), None on later pages.
response_saved = Signal()

# Sent when the organiser deletes responses (inside the transaction, before the rows go):
# survey, responses (a list). The panel no longer counts their members as having answered.
response_deleted = Signal()

# Asked on the thank-you page of a survey with each member's benchmark: survey, answers (the
# member's own), lang. The results app answers with what to show (results.benchmark).
benchmark_asked = Signal()
