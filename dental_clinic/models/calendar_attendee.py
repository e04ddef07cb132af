from odoo import models


class CalendarAttendee(models.Model):
    """The dentist attends their appointments' events without being mailed nor made a follower.

    The appointment's mirror (superuser, sync context) creates one attendee per
    event; an invitation e-mail or a follower row per appointment would only cost
    queries and noise: the dentist already sees the appointment in their calendar.
    """

    _inherit = 'calendar.attendee'

    def _dental_is_sync(self):
        return self.env.su and self.env.context.get('dental_appointment_sync')

    def _subscribe_partner(self):
        if self._dental_is_sync():
            return
        super()._subscribe_partner()

    def _send_invitation_emails(self):
        if self._dental_is_sync():
            return
        super()._send_invitation_emails()
