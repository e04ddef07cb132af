from datetime import datetime, time, timedelta

from odoo import api, fields, models, tools
from odoo.osv import expression
from odoo.tools import SQL

from ..models.dental_procedure import PROCEDURE_CATEGORIES
from ..models.dental_roles import DENTIST_GROUP

WEEKDAYS = [
    ('0', 'Monday'),
    ('1', 'Tuesday'),
    ('2', 'Wednesday'),
    ('3', 'Thursday'),
    ('4', 'Friday'),
    ('5', 'Saturday'),
    ('6', 'Sunday'),
]
AGE_BANDS = [
    ('0_12', '0-12'),
    ('13_17', '13-17'),
    ('18_29', '18-29'),
    ('30_44', '30-44'),
    ('45_59', '45-59'),
    ('60', '60+'),
    ('unknown', 'Unknown'),
]
# dental.appointment's states, listed here so that their labels are translated on this model too.
APPOINTMENT_STATES = [
    ('scheduled', 'Scheduled'),
    ('confirmed', 'Confirmed'),
    ('arrived', 'Arrived'),
    ('in_progress', 'In Progress'),
    ('done', 'Done'),
    ('cancelled', 'Cancelled'),
    ('no_show', 'No Show'),
]
# Appointments whose patient was expected in the chair: the no-show rate's denominator.
DUE_STATES = ('arrived', 'in_progress', 'done', 'no_show')


class DentalAppointmentReport(models.Model):
    """Appointment analysis: one row per appointment, dated in the clinic's time zone.

    The clinic's time zone is the chair's working-hours calendar's: an
    appointment at 22:30 in São Paulo is counted on that local day, whatever
    the time zone of the user reading the analysis. Every column is a plain
    expression over ``dental_appointment`` (the view has no aggregate nor
    window), so PostgreSQL only computes the columns a query asks for: a
    dentist × month count reads two columns of the appointments and the small
    chair and calendar tables.
    """

    _name = 'dental.appointment.report'
    _description = 'Appointment Analysis'
    _inherit = ['dental.field.guard']
    _auto = False
    _order = 'start desc, id desc'
    _rec_name = 'appointment_id'

    appointment_id = fields.Many2one('dental.appointment', readonly=True)
    patient_id = fields.Many2one('dental.patient', readonly=True)
    dentist_id = fields.Many2one('res.users', readonly=True)
    chair_id = fields.Many2one('dental.chair', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    state = fields.Selection(APPOINTMENT_STATES, string='Status', readonly=True)
    start = fields.Datetime(readonly=True)
    date = fields.Date(readonly=True, help='Day of the appointment in the clinic\'s time zone.')
    weekday = fields.Selection(WEEKDAYS, readonly=True)
    hour = fields.Integer(readonly=True, aggregator=None)
    category = fields.Selection(
        PROCEDURE_CATEGORIES,
        string='Procedure Category',
        readonly=True,
        groups=DENTIST_GROUP,
        help='Category of the longest planned procedure.',
    )
    patient_type = fields.Selection(
        [('new', 'New Patient'), ('returning', 'Returning Patient')],
        readonly=True,
        help='New: the patient\'s first appointment ever that was not cancelled nor missed.',
    )
    new_patient_count = fields.Integer(string='New Patients', readonly=True)
    age_band = fields.Selection(AGE_BANDS, readonly=True, help='Patient\'s age on that day.')
    booked_minutes = fields.Float(readonly=True)
    done_minutes = fields.Float(readonly=True, help='From start to end of treatment for visits that were done.')
    visit_count = fields.Integer(string='Visits', readonly=True, help='Appointments that were done.')
    no_show_count = fields.Integer(string='No-shows', readonly=True)
    expected_count = fields.Integer(
        string='Expected',
        readonly=True,
        help='Appointments the patient was expected at: arrived, in progress, done or missed.',
    )
    no_show_rate = fields.Float(
        string='No-show Rate (%)',
        readonly=True,
        aggregator='avg',
        help='Share of no-shows among the appointments the patient was expected at (arrived, done or missed).',
    )
    is_cancelled = fields.Boolean(string='Cancelled', readonly=True)
    cancel_origin = fields.Selection(
        [('patient', 'Patient'), ('clinic', 'Clinic')], string='Cancelled By', readonly=True
    )
    late_cancel_count = fields.Integer(string='Late Cancellations', readonly=True)
    is_late_cancellation = fields.Boolean(string='Late Cancellation', readonly=True)
    # The patient confirmed through the reminder link (not the front desk on the phone).
    confirmed_by_patient = fields.Boolean(string='Confirmed by the Patient', readonly=True)
    is_paid = fields.Boolean(string='Paid', readonly=True)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        return super()._search(self._add_start_bounds(domain), offset=offset, limit=limit, order=order, **kwargs)

    @api.model
    def _add_start_bounds(self, domain):
        """Bound ``start`` (indexed, UTC) around the local ``date`` bounds of a plain conjunction.

        ``date`` is computed in the chair's time zone, so PostgreSQL cannot use
        an index to filter on it. Local days start between 14 h before and 12 h
        after UTC midnight: a day's margin each side gives a range of the
        index on ``dental_appointment.start`` that holds every matching row,
        and the ``date`` condition itself still decides. Domains with ``|`` or
        ``!`` are left as they are.
        """
        if not domain or any(isinstance(item, str) and item in ('|', '!') for item in domain):
            return domain
        bounds = []
        for leaf in domain:
            if not (isinstance(leaf, (list, tuple)) and len(leaf) == 3 and leaf[0] == 'date' and leaf[2]):
                continue
            operator = leaf[1]
            try:
                value = fields.Date.to_date(leaf[2])
            except (TypeError, ValueError):
                continue  # not a date: the ORM's own validation answers for it
            if not value:
                continue
            if operator in ('>=', '>', '='):
                bounds.append([('start', '>=', datetime.combine(value - timedelta(days=1), time.min))])
            if operator in ('<=', '<', '='):
                bounds.append([('start', '<', datetime.combine(value + timedelta(days=2), time.min))])
        return expression.AND([domain, *bounds]) if bounds else domain

    def _select(self):
        local_start = SQL("(a.start AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(rc.tz, 'UTC'))")
        return SQL(
            """
            a.id AS id,
            a.id AS appointment_id,
            a.patient_id AS patient_id,
            a.dentist_id AS dentist_id,
            a.chair_id AS chair_id,
            a.company_id AS company_id,
            a.state AS state,
            a.start AS start,
            %(local)s::date AS date,
            (EXTRACT(ISODOW FROM %(local)s)::int - 1)::varchar AS weekday,
            EXTRACT(HOUR FROM %(local)s)::int AS hour,
            (SELECT p.category
               FROM dental_appointment_dental_procedure_rel r
               JOIN dental_procedure p ON p.id = r.dental_procedure_id
              WHERE r.dental_appointment_id = a.id
              ORDER BY p.duration DESC, p.sequence, p.id
              LIMIT 1) AS category,
            %(is_new)s AS patient_type,
            CASE WHEN %(is_new)s = 'new' THEN 1 ELSE 0 END AS new_patient_count,
            CASE
                WHEN pat.birth_date IS NULL THEN 'unknown'
                WHEN age(%(local)s::date, pat.birth_date) < interval '13 years' THEN '0_12'
                WHEN age(%(local)s::date, pat.birth_date) < interval '18 years' THEN '13_17'
                WHEN age(%(local)s::date, pat.birth_date) < interval '30 years' THEN '18_29'
                WHEN age(%(local)s::date, pat.birth_date) < interval '45 years' THEN '30_44'
                WHEN age(%(local)s::date, pat.birth_date) < interval '60 years' THEN '45_59'
                ELSE '60'
            END AS age_band,
            EXTRACT(EPOCH FROM a.stop - a.start) / 60.0 AS booked_minutes,
            CASE WHEN a.state = 'done' THEN
                COALESCE(EXTRACT(EPOCH FROM a.done_at - a.started_at) / 60.0,
                         EXTRACT(EPOCH FROM a.stop - a.start) / 60.0)
            ELSE 0 END AS done_minutes,
            CASE WHEN a.state = 'done' THEN 1 ELSE 0 END AS visit_count,
            CASE WHEN a.state = 'no_show' THEN 1 ELSE 0 END AS no_show_count,
            CASE WHEN a.state IN %(due)s THEN 1 ELSE 0 END AS expected_count,
            CASE WHEN a.state = 'no_show' THEN 100.0
                 WHEN a.state IN %(due)s THEN 0.0 END AS no_show_rate,
            a.state = 'cancelled' AS is_cancelled,
            a.cancel_origin AS cancel_origin,
            CASE WHEN a.is_late_cancellation THEN 1 ELSE 0 END AS late_cancel_count,
            COALESCE(a.is_late_cancellation, FALSE) AS is_late_cancellation,
            COALESCE(a.patient_response = 'confirmed', FALSE) AS confirmed_by_patient,
            COALESCE(a.is_paid, FALSE) AS is_paid
            """,
            local=local_start,
            due=DUE_STATES,
            is_new=SQL(
                """(CASE WHEN a.state NOT IN ('cancelled', 'no_show') AND NOT EXISTS (
                        SELECT 1 FROM dental_appointment e
                         WHERE e.patient_id = a.patient_id
                           AND e.state NOT IN ('cancelled', 'no_show')
                           AND (e.start, e.id) < (a.start, a.id))
                    THEN 'new' ELSE 'returning' END)"""
            ),
        )

    def _from(self):
        # LEFT JOINs on primary keys: PostgreSQL drops those a query does not need.
        return SQL(
            """
            dental_appointment a
            LEFT JOIN dental_chair ch ON ch.id = a.chair_id
            LEFT JOIN resource_calendar rc ON rc.id = ch.resource_calendar_id
            LEFT JOIN dental_patient pat ON pat.id = a.patient_id
            """
        )

    def init(self):
        # "First appointment of the patient" probes the patient's earlier appointments: one index step.
        tools.create_index(
            self.env.cr, 'dental_appointment_patient_start_index', 'dental_appointment', ['patient_id', 'start', 'id']
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                'CREATE OR REPLACE VIEW %s AS (SELECT %s FROM %s)',
                SQL.identifier(self._table),
                self._select(),
                self._from(),
            )
        )
