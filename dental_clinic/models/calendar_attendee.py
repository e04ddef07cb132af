from odoo import models

from .calendar_event import is_appointment_sync


class CalendarAttendee(models.Model):
    """The dentist attends their appointments' events without being mailed nor made a follower.

    The appointment's mirror (superuser, sync context) creates one attendee per
    event; an invitation e-mail or a follower row per appointment would only cost
    queries and noise: the dentist already sees the appointment in their calendar.
    """

    _inherit = 'calendar.attendee'

    def _subscribe_partner(self):
        if is_appointment_sync(self.env):
            return
        super()._subscribe_partner()

    def _send_invitation_emails(self):
        if is_appointment_sync(self.env):
            return
        super()._send_invitation_emails()
