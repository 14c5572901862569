"""The telehealth domain's verbs. Views, the API and the signalling consumer call these.

* ``lifecycle``: open a visit, admit, start (location and emergency contact), end
* ``tokens``: single-use join tokens for the signalling socket
* ``live``: presence, media state and modality segments, in-session chat
* ``readiness``: consent and emergency plan, the backup phone, the consent's fallback plan
* ``record``: an ended visit as it actually ran (times, duration, modality segments)
"""
