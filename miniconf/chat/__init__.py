"""Chat rooms for papers, sessions, workshops and keynote speakers.

rooms.py     which rooms the conference has (one per page), their names and topics
mapping.py   the rooms file written by provisioning (ids -> room ids and aliases)
links.py     deep links and embed URLs for every provider, as the pages show them
matrix.py    ``miniconf chat provision``: creating the rooms on a Matrix homeserver,
             crash-safe, inviting each paper's authors as moderators
activity.py  ``miniconf chat activity``: how busy each room is (chat/activity.json)
attendees.py ``miniconf chat attendees``: one registration token per attendee
"""
