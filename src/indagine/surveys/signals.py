"""What the surveys app tells the apps above it (they import this; it imports none of them)."""

from django.dispatch import Signal

# A survey was made as a copy of another (`surveys.starting.copy_survey`): sent with `source`
# and `copy` in the copy's transaction, so the panel copies the emails' wording.
survey_copied = Signal()
