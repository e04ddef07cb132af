from odoo import _, models
from odoo.exceptions import UserError

APPOINTMENT_MODEL = 'dental.appointment'


class CalendarEvent(models.Model):
    """The calendar mirror of dental appointments.

    Sync policy for a change made in the Calendar app on an appointment's event:

    * moving or resizing it (``start``/``stop``/``duration``) flows back to the
      appointment, which runs the same checks as any booking (no overlap per
      chair or dentist, working hours, only scheduled/confirmed appointments
      move): if they fail, the change in the Calendar app is refused;
    * making it all-day, archiving or deleting it is refused with a
      ``UserError``: the appointment is rescheduled or cancelled instead;
    * other fields (description, alarms, ...) are the dentist's own business
      and are left alone.
    """

    _inherit = 'calendar.event'

    def _get_activity_excluded_models(self):
        # The appointment has its own state: no "Meeting" activity on it for each event.
        return super()._get_activity_excluded_models() + [APPOINTMENT_MODEL]

    def _dental_linked(self):
        return self.filtered(lambda event: event.res_model == APPOINTMENT_MODEL and event.res_id)

    def write(self, vals):
        if self.env.context.get('dental_appointment_sync'):
            return super().write(vals)
        linked = self._dental_linked()
        if linked:
            if vals.get('allday') or vals.get('active') is False or vals.get('recurrency') \
                    or 'res_model_id' in vals or 'res_model' in vals or 'res_id' in vals:
                raise UserError(_(
                    'This event is a dental appointment: reschedule or cancel the appointment instead.'))
        result = super().write(vals)
        if linked and any(fname in vals for fname in ('start', 'stop', 'duration')):
            event_by_appointment = {event.res_id: event for event in linked}
            appointments = self.env[APPOINTMENT_MODEL].browse(list(event_by_appointment)).exists()
            for appointment in appointments:
                event = event_by_appointment[appointment.id]
                if (appointment.start, appointment.stop) != (event.start, event.stop):
                    appointment.with_context(dental_appointment_sync=True).write(
                        {'start': event.start, 'stop': event.stop})
        return result

    def unlink(self):
        if not self.env.context.get('dental_appointment_sync') and self._dental_linked():
            raise UserError(_(
                'This event is a dental appointment: cancel the appointment instead of deleting its event.'))
        return super().unlink()
