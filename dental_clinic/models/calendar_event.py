from odoo import _, models
from odoo.exceptions import UserError

APPOINTMENT_MODEL = 'dental.appointment'


def is_appointment_sync(env):
    """Whether the appointment's mirror is writing: a context key alone, which a client can send, is not enough."""
    return env.su and env.context.get('dental_appointment_sync')


# What the Calendar app may not change on an appointment's event: the
# appointment is rescheduled, reassigned or cancelled instead.
LOCKED_EVENT_FIELDS = (
    'allday',
    'recurrency',
    'res_model_id',
    'res_model',
    'res_id',
    'partner_ids',
    'attendee_ids',
    'privacy',
    'name',
)


class CalendarEvent(models.Model):
    """The calendar mirror of dental appointments.

    Sync policy for a change made in the Calendar app on an appointment's event:

    * moving or resizing it (``start``/``stop``/``duration``) and giving it to
      another organiser (``user_id``) flow back to the appointment, which runs
      the same checks as any booking (no overlap per chair or dentist, working
      hours, only scheduled/confirmed appointments move, the organiser must be
      a dentist): if they fail, the change in the Calendar app is refused;
    * making it all-day or recurring, changing its attendees, name or privacy,
      archiving or deleting it is refused with a ``UserError``: the appointment
      is rescheduled or cancelled instead;
    * other fields (description, alarms, ...) are the dentist's own business
      and are left alone.

    Only the appointment's own sync, which runs as superuser, writes the event
    freely: a context key alone, which any client can send, changes nothing.
    """

    _inherit = 'calendar.event'

    def _get_activity_excluded_models(self):
        # The appointment has its own state: no "Meeting" activity on it for each event.
        return super()._get_activity_excluded_models() + [APPOINTMENT_MODEL]

    def _dental_linked(self):
        return self.filtered(lambda event: event.res_model == APPOINTMENT_MODEL and event.res_id)

    def _dental_is_sync(self):
        """The appointment's own mirror writing (superuser): the only writer that skips these checks."""
        return is_appointment_sync(self.env)

    def write(self, vals):
        if self._dental_is_sync():
            return super().write(vals)
        linked = self._dental_linked()
        if linked and (vals.get('active') is False or any(fname in vals for fname in LOCKED_EVENT_FIELDS)):
            raise UserError(_('This event is a dental appointment: reschedule or cancel the appointment instead.'))
        result = super().write(vals)
        if linked and any(fname in vals for fname in ('start', 'stop', 'duration', 'user_id')):
            event_by_appointment = {event.res_id: event for event in linked}
            appointments = self.env[APPOINTMENT_MODEL].browse(list(event_by_appointment)).exists()
            for appointment in appointments:
                event = event_by_appointment[appointment.id]
                changes = {}
                if (appointment.start, appointment.stop) != (event.start, event.stop):
                    changes.update(start=event.start, stop=event.stop)
                if event.user_id and appointment.dentist_id != event.user_id:
                    changes['dentist_id'] = event.user_id.id
                if changes:
                    appointment.write(changes)
        return result

    def unlink(self):
        if not self._dental_is_sync() and self._dental_linked():
            raise UserError(
                _('This event is a dental appointment: cancel the appointment instead of deleting its event.')
            )
        return super().unlink()
