from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, models
from odoo.exceptions import AccessError

from ..models.dental_appointment import INACTIVE_STATES
from ..models.dental_roles import MANAGER_GROUP


class DentalChairOccupancy(models.AbstractModel):
    """Chair occupancy: booked and used minutes against the chairs' working minutes in a period.

    Working minutes come from each chair's ``resource.calendar`` in its own
    time zone, with the calendar's global leaves (public holidays, closures)
    taken out, exactly as bookings are checked. Booked minutes are those of the
    appointments holding their slot (neither cancelled nor missed), used
    minutes those of the visits done; both are summed by the appointment
    analysis in one grouped query and counted on the appointment's local day.
    """

    _name = 'dental.chair.occupancy'
    _description = 'Chair Occupancy'

    @api.model
    def _get_occupancy(self, date_from, date_to, chairs=None):
        """One dict per chair: chair, available, booked and used minutes and the two rates (%), managers only."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_('Only the clinic\'s managers see the chair occupancy.'))
        if chairs is None:
            chairs = self.env['dental.chair'].search([])
        available = self._available_minutes(chairs, date_from, date_to)
        groups = self.env['dental.appointment.report']._read_group(
            [
                ('chair_id', 'in', chairs.ids),
                ('date', '>=', date_from),
                ('date', '<=', date_to),
                ('state', 'not in', INACTIVE_STATES),
            ],
            ['chair_id'],
            ['booked_minutes:sum', 'done_minutes:sum'],
        )
        minutes = {chair: (booked, done) for chair, booked, done in groups}
        result = []
        for chair in chairs:
            booked, done = minutes.get(chair, (0.0, 0.0))
            capacity = available.get(chair, 0.0)
            result.append(
                {
                    'chair': chair,
                    'available_minutes': capacity,
                    'booked_minutes': booked or 0.0,
                    'used_minutes': done or 0.0,
                    'booked_rate': 100.0 * (booked or 0.0) / capacity if capacity else 0.0,
                    'used_rate': 100.0 * (done or 0.0) / capacity if capacity else 0.0,
                }
            )
        return result

    @api.model
    def _available_minutes(self, chairs, date_from, date_to):
        """Working minutes per chair between two local dates (both included), holidays excluded."""
        by_calendar = defaultdict(lambda: self.env['dental.chair'])
        for chair in chairs:
            by_calendar[chair.resource_calendar_id] |= chair
        available = {}
        for calendar, calendar_chairs in by_calendar.items():
            tz = pytz.timezone(calendar.tz or 'UTC')
            start = tz.localize(datetime.combine(date_from, time.min))
            stop = tz.localize(datetime.combine(date_to + timedelta(days=1), time.min))
            intervals = calendar._work_intervals_batch(start, stop, tz=tz)[False]
            minutes = sum((i_stop - i_start).total_seconds() for i_start, i_stop, _meta in intervals) / 60.0
            # Intervals ending at 24:00 end at 23:59:59.999999: round to the minute.
            minutes = round(minutes)
            for chair in calendar_chairs:
                available[chair] = float(minutes)
        return available
