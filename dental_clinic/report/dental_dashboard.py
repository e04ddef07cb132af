from datetime import timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..models.dental_appointment import (
    DEFAULT_DURATION,
    INACTIVE_STATES,
    SLOT_STEP_MINUTES,
    _round_interval_end,
    ceil_to_step,
)
from ..models.dental_roles import MANAGER_GROUP, RECEPTIONIST_GROUP
from .dental_report_common import clinic_tz, local_day_bounds

TOP_PROCEDURES = 5
# Free times offered per dentist on the Today board.
TODAY_FREE_SLOTS = 3


class DentalDashboard(models.AbstractModel):
    """Figures of the staff dashboard ("Painel"), served to the OWL client action in one call per screen.

    Each screen's data comes from a few grouped queries (``_read_group``), not
    from one query per figure or per chair. Every figure comes with the window
    action of the list it sums, so that a click shows the records behind it.
    """

    _name = 'dental.dashboard'
    _description = 'Staff Dashboard'

    @api.model
    def get_dashboard_data(self, screen='front_desk'):
        """The data of one screen: 'front_desk' (any staff) or 'manager' (managers only)."""
        if screen == 'manager':
            if not self.env.user.has_group(MANAGER_GROUP):
                raise AccessError(_('Only the clinic\'s managers see the manager\'s dashboard.'))
            return self._manager_data()
        if not self.env.user.has_group(RECEPTIONIST_GROUP):
            raise AccessError(_('Only the clinic\'s staff see the dashboard.'))
        return self._front_desk_data()

    @api.model
    def get_tomorrow_unconfirmed(self):
        """The Today board's reminder: how many of tomorrow's appointments are still to confirm, and their list."""
        if not self.env.user.has_group(RECEPTIONIST_GROUP):
            raise AccessError(_('Only the clinic\'s staff see the dashboard.'))
        domain = self._tomorrow_unconfirmed_domain()
        return {
            'count': self.env['dental.appointment'].search_count(domain),
            'action': self._appointment_action(_('Tomorrow\'s unconfirmed appointments'), domain),
        }

    @api.model
    def get_today_dentists(self):
        """The Today board's dentists: who works today and when, who is absent (by the absence's type, never
        its reason), and each one's next free times today, within the chair's and their own hours only."""
        if not self.env.user.has_group(RECEPTIONIST_GROUP):
            raise AccessError(_('Only the clinic\'s staff see the dashboard.'))
        return self._today_dentists()

    # ------------------------------------------------------------------
    # Front desk
    # ------------------------------------------------------------------

    def _today_dentists(self):
        Appointment = self.env['dental.appointment']
        today, tz_name = self._clinic_today()
        tz = pytz.timezone(tz_name)
        day_start, day_stop = local_day_bounds(today, today, tz_name)
        dentists = Appointment._dental_clinic_dentists()
        if not dentists:
            return []
        intervals = Appointment._dental_dentist_intervals(
            dentists, pytz.utc.localize(day_start), pytz.utc.localize(day_stop)
        )
        leaves = Appointment._dental_dentist_absences(list(intervals), day_start, day_stop)
        leaves_by_dentist = leaves.grouped(lambda leave: leave.resource_id.user_id.id)

        def naive_utc(value):
            return value.astimezone(pytz.utc).replace(tzinfo=None) if value.tzinfo else value

        def time_of(value):
            return pytz.utc.localize(value).astimezone(tz).strftime('%H:%M')

        def span(start, stop):
            start, stop = naive_utc(start), naive_utc(_round_interval_end(stop))
            start, stop = max(start, day_start), min(stop, day_stop)
            # An absence entered up to 23:59 covers the day.
            if start <= day_start and stop >= day_stop - timedelta(minutes=1):
                return self.env._('all day')
            return f'{time_of(start)}–{time_of(stop) if stop < day_stop else "24:00"}'

        # Free times only for the dentists working today, read in one pass for all of them.
        step = timedelta(minutes=SLOT_STEP_MINUTES)
        now = fields.Datetime.now()
        date_from = max(now, day_start)
        date_from = ceil_to_step(date_from, step)
        working = dentists.filtered(lambda d: d.id not in intervals or intervals[d.id])
        chairs = self.env['dental.chair'].search([('company_id', 'in', self.env.companies.ids)])
        candidates = [(c, d) for d in working for c in chairs if c.company_id in d.company_ids]
        free_by_dentist = {}
        if candidates and date_from < day_stop:
            free = Appointment._dental_free_slots(
                candidates, DEFAULT_DURATION, date_from, day_stop, TODAY_FREE_SLOTS, per_dentist=True
            )
            for slot in free:
                free_by_dentist.setdefault(slot['dentist'].id, []).append(slot)
        rows = []
        for dentist in dentists:
            own = intervals.get(dentist.id)
            absences = leaves_by_dentist.get(dentist.id, leaves.browse())
            if absences and not own:
                state = 'absent'
            elif own is not None and not own:
                state = 'off'
            else:
                state = 'working'
            rows.append(
                {
                    'id': dentist.id,
                    'name': dentist.name,
                    'state': state,
                    'hours': ' · '.join(span(start, stop) for start, stop, _meta in own or []),
                    'absences': [
                        {'label': leave._dental_absence_label(), 'time': span(leave.date_from, leave.date_to)}
                        for leave in absences
                    ],
                    'free': [
                        {
                            'time': time_of(slot['start']),
                            'start': fields.Datetime.to_string(slot['start']),
                            'stop': fields.Datetime.to_string(slot['stop']),
                            'duration': DEFAULT_DURATION,
                            'chair_id': slot['chair'].id,
                            'chair': slot['chair'].name,
                        }
                        for slot in free_by_dentist.get(dentist.id, [])
                    ],
                }
            )
        return rows

    def _clinic_today(self):
        """The clinic's date now, and its time zone."""
        tz_name = clinic_tz(self.env)
        now = fields.Datetime.now()
        return now.replace(tzinfo=pytz.utc).astimezone(pytz.timezone(tz_name)).date(), tz_name

    def _tomorrow_unconfirmed_domain(self):
        today, tz_name = self._clinic_today()
        tomorrow_start, tomorrow_stop = local_day_bounds(today + timedelta(days=1), today + timedelta(days=1), tz_name)
        return [('start', '>=', tomorrow_start), ('start', '<', tomorrow_stop), ('state', '=', 'scheduled')]

    def _front_desk_data(self):
        now = fields.Datetime.now()
        today, tz_name = self._clinic_today()
        today_start, today_stop = local_day_bounds(today, today, tz_name)
        Appointment = self.env['dental.appointment']
        appointments = Appointment.search(
            [('start', '>=', today_start), ('start', '<', today_stop)], order='chair_id, start, id'
        )
        states = dict(Appointment._fields['state']._description_selection(self.env))

        def time_of(value):
            return value.replace(tzinfo=pytz.utc).astimezone(pytz.timezone(tz_name)).strftime('%H:%M')

        chairs = []
        for chair, chair_appointments in appointments.grouped('chair_id').items():
            chairs.append(
                {
                    'id': chair.id,
                    'name': chair.name,
                    'appointments': [
                        {
                            'id': appointment.id,
                            'time': time_of(appointment.start),
                            'patient': appointment.patient_id.name,
                            'dentist': appointment.dentist_id.name,
                            'state': appointment.state,
                            'state_label': states[appointment.state],
                        }
                        for appointment in chair_appointments
                    ],
                }
            )
        waiting = appointments.filtered(lambda a: a.state == 'arrived')
        late = appointments.filtered(lambda a: a.state in ('scheduled', 'confirmed') and a.start < now)
        unconfirmed_domain = self._tomorrow_unconfirmed_domain()
        unconfirmed = Appointment.search(unconfirmed_domain, order='start, id')
        return {
            'today': fields.Date.to_string(today),
            'chairs': chairs,
            'waiting': [
                {
                    'id': appointment.id,
                    'patient': appointment.patient_id.name,
                    'chair': appointment.chair_id.name,
                    'arrived': time_of(appointment.arrived_at) if appointment.arrived_at else '',
                    'minutes': int((now - (appointment.arrived_at or now)).total_seconds() // 60),
                }
                for appointment in waiting.sorted(lambda a: a.arrived_at or now)
            ],
            'late': [
                {
                    'id': appointment.id,
                    'patient': appointment.patient_id.name,
                    'chair': appointment.chair_id.name,
                    'time': time_of(appointment.start),
                    'minutes': int((now - appointment.start).total_seconds() // 60),
                }
                for appointment in late
            ],
            'unconfirmed': [
                {
                    'id': appointment.id,
                    'patient': appointment.patient_id.name,
                    'mobile': appointment.patient_mobile or '',
                    'time': time_of(appointment.start),
                    'chair': appointment.chair_id.name,
                }
                for appointment in unconfirmed
            ],
            'unconfirmed_action': self._appointment_action(
                _('Tomorrow\'s unconfirmed appointments'), unconfirmed_domain
            ),
            # Recalls due: filled in by the recall feature when it exists (override this method).
            'recalls': self._front_desk_recalls(today),
        }

    def _front_desk_recalls(self, today):
        """Recalls due, the patients to call today: the first ten, their count and the full list."""
        Recall = self.env['dental.recall']
        domain = [('state', '=', 'open'), ('due_date', '<=', today)]
        recalls = Recall.search(domain, order='due_date, id', limit=10)
        return {
            'count': Recall.search_count(domain),
            'items': [
                {
                    'id': recall.id,
                    'patient': recall.patient_id.name,
                    'mobile': recall.patient_id.mobile_national or '',
                    'due': fields.Date.to_string(recall.due_date),
                }
                for recall in recalls
            ],
            'action': self.env['ir.actions.act_window']._for_xml_id('dental_clinic.dental_recall_action'),
        }

    def _appointment_action(self, name, domain):
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': 'dental.appointment',
            'views': [[False, 'list'], [False, 'form']],
            'domain': domain,
            'target': 'current',
        }

    # ------------------------------------------------------------------
    # Manager
    # ------------------------------------------------------------------

    def _manager_data(self):
        tz_name = clinic_tz(self.env)
        today = fields.Datetime.now().replace(tzinfo=pytz.utc).astimezone(pytz.timezone(tz_name)).date()
        this_month = today.replace(day=1)
        last_month = this_month - relativedelta(months=1)
        periods = {
            'current': (this_month, this_month + relativedelta(months=1, days=-1)),
            'previous': (last_month, this_month - timedelta(days=1)),
        }
        Report = self.env['dental.appointment.report']
        rows = Report._read_group(
            [('date', '>=', last_month), ('date', '<', this_month + relativedelta(months=1))],
            ['date:month'],
            [
                '__count',
                'visit_count:sum',
                'no_show_count:sum',
                'no_show_rate:avg',
                'late_cancel_count:sum',
                'new_patient_count:sum',
            ],
        )
        by_month = {month: values for month, *values in rows}  # ``date`` is a Date: months are dates
        occupancy = self.env['dental.chair.occupancy']
        figures = {}
        for key, (date_from, date_to) in periods.items():
            count, visits, no_shows, rate, late, new = by_month.get(date_from, (0, 0, 0, None, 0, 0))
            chairs = occupancy._get_occupancy(date_from, date_to)
            available = sum(row['available_minutes'] for row in chairs)
            booked = sum(row['booked_minutes'] for row in chairs)
            used = sum(row['used_minutes'] for row in chairs)
            figures[key] = {
                'label': fields.Date.to_string(date_from)[:7],
                'appointments': count,
                'visits': visits or 0,
                'no_shows': no_shows or 0,
                'no_show_rate': round(rate or 0.0, 1),
                'late_cancellations': late or 0,
                'new_patients': new or 0,
                'occupancy_booked': round(100.0 * booked / available, 1) if available else 0.0,
                'occupancy_used': round(100.0 * used / available, 1) if available else 0.0,
                'top_procedures': self._top_procedures(date_from, date_to),
                'actions': self._manager_actions(date_from, date_to),
            }
        return figures

    def _top_procedures(self, date_from, date_to):
        rows = self.env['dental.treatment.report']._read_group(
            [('state', '=', 'done'), ('date_done', '>=', date_from), ('date_done', '<=', date_to)],
            ['procedure_id'],
            ['done_count:sum'],
            order='done_count:sum desc',
            limit=TOP_PROCEDURES,
        )
        return [{'id': procedure.id, 'name': procedure.display_name, 'count': count} for procedure, count in rows]

    def _manager_actions(self, date_from, date_to):
        """The filtered list behind each figure of a month."""
        period = [('date', '>=', fields.Date.to_string(date_from)), ('date', '<=', fields.Date.to_string(date_to))]

        def report(name, domain, group_by=None):
            return {
                'type': 'ir.actions.act_window',
                'name': name,
                'res_model': 'dental.appointment.report',
                'views': [[False, 'list'], [False, 'pivot'], [False, 'graph']],
                'domain': period + domain,
                'context': {'group_by': group_by or []},
                'target': 'current',
            }

        actions = {
            'appointments': report(_('Appointments'), []),
            'visits': report(_('Visits'), [('state', '=', 'done')]),
            'no_shows': report(_('No-shows'), [('state', '=', 'no_show')]),
            'late_cancellations': report(_('Late Cancellations'), [('is_late_cancellation', '=', True)]),
            'new_patients': report(_('New Patients'), [('patient_type', '=', 'new')]),
            'occupancy': report(_('Chair Occupancy'), [('state', 'not in', INACTIVE_STATES)], ['chair_id']),
            'procedures': {
                'type': 'ir.actions.act_window',
                'name': _('Treatments Done'),
                'res_model': 'dental.treatment.report',
                'views': [[False, 'list'], [False, 'pivot']],
                'domain': [
                    ('state', '=', 'done'),
                    ('date_done', '>=', fields.Date.to_string(date_from)),
                    ('date_done', '<=', fields.Date.to_string(date_to)),
                ],
                'context': {'group_by': ['procedure_id']},
                'target': 'current',
            },
        }
        return actions
