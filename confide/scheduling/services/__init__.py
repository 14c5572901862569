"""The scheduling domain's verbs. Views, the API, tasks and commands call these.

* ``booking``: book, reschedule, cancel, confirm / complete / no-show, cancellation terms
* ``setup``: a therapist's hours, time off, appointment types and policy
* ``waitlist``: join, leave, offers of freed times
* ``feeds``: private calendar feed secrets
* ``notify``: what gets queued for e-mail and reminders
"""
