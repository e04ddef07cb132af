from odoo import _, api, models
from odoo.exceptions import UserError

from .calendar_event import is_appointment_sync

# What may change on an appointment event's attendee outside the appointment's sync: the answer only
# (the Calendar app resets it itself when the event moves).
ATTENDEE_ANSWER_FIELDS = {'state', 'availability'}


class CalendarAttendee(models.Model):
    """The dentist attends their appointments' events without being mailed nor made a follower.

    The appointment's mirror (superuser, sync context) creates one attendee per
    event; an invitation e-mail or a follower row per appointment would only cost
    queries and noise: the dentist already sees the appointment in their calendar.
    Nobody else adds, removes or changes the attendees of an appointment's event
    (the event itself refuses a change of its attendees): the dentist is changed
    on the appointment.
    """

    _inherit = 'calendar.attendee'

    @api.model_create_multi
    def create(self, vals_list):
        if not is_appointment_sync(self.env):
            events = (
                self.env['calendar.event']
                .sudo()
                .browse({vals['event_id'] for vals in vals_list if vals.get('event_id')})
            )
            self._dental_check_unlocked(events)
        return super().create(vals_list)

    def write(self, vals):
        if not is_appointment_sync(self.env) and set(vals) - ATTENDEE_ANSWER_FIELDS:
            events = self.sudo().event_id
            if vals.get('event_id'):
                events |= events.browse(vals['event_id'])
            self._dental_check_unlocked(events)
        return super().write(vals)

    def unlink(self):
        if not is_appointment_sync(self.env):
            self._dental_check_unlocked(self.sudo().event_id)
        return super().unlink()

    @api.model
    def _dental_check_unlocked(self, events):
        if events.exists()._dental_linked():
            raise UserError(_("This event is a dental appointment: its attendees follow the appointment's dentist."))

    def _subscribe_partner(self):
        if is_appointment_sync(self.env):
            return
        super()._subscribe_partner()

    def _send_invitation_emails(self):
        if is_appointment_sync(self.env):
            return
        super()._send_invitation_emails()
