from odoo import fields, models, tools
from odoo.tools import SQL


class DentalPatientFrequencyReport(models.Model):
    """Patient frequency: one row per active patient, with their last and next visit.

    The front desk filters it on "not seen for N months" and calls the
    patients on the list; nothing clinical is in it.
    """

    _name = 'dental.patient.frequency.report'
    _description = 'Patient Frequency'
    _auto = False
    _order = 'last_visit_date asc nulls first, id'
    _rec_name = 'patient_id'

    patient_id = fields.Many2one('dental.patient', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    mobile = fields.Char(readonly=True)
    phone = fields.Char(readonly=True)
    last_visit_date = fields.Date(string='Last Visit', readonly=True)
    months_since_last_visit = fields.Integer(
        readonly=True, aggregator=None, help='Whole months since the last visit that was done; empty when never seen.'
    )
    visit_count = fields.Integer(string='Visits', readonly=True)
    visit_count_12m = fields.Integer(string='Visits (12 Months)', readonly=True)
    next_appointment = fields.Datetime(readonly=True)
    has_next_appointment = fields.Boolean(string='Has a Next Appointment', readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %(table)s AS (
                SELECT pat.id AS id,
                       pat.id AS patient_id,
                       pat.company_id AS company_id,
                       partner.mobile AS mobile,
                       partner.phone AS phone,
                       visits.last_visit AS last_visit_date,
                       (EXTRACT(YEAR FROM age(now()::date, visits.last_visit)) * 12
                        + EXTRACT(MONTH FROM age(now()::date, visits.last_visit)))::int AS months_since_last_visit,
                       COALESCE(visits.visit_count, 0) AS visit_count,
                       COALESCE(visits.visit_count_12m, 0) AS visit_count_12m,
                       upcoming.next_start AS next_appointment,
                       upcoming.next_start IS NOT NULL AS has_next_appointment
                  FROM dental_patient pat
                  JOIN res_partner partner ON partner.id = pat.partner_id
             LEFT JOIN LATERAL (
                        SELECT max((a.start AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(rc.tz, 'UTC'))::date)
                                   AS last_visit,
                               count(*) AS visit_count,
                               count(*) FILTER (WHERE a.start >= now() AT TIME ZONE 'UTC' - interval '12 months')
                                   AS visit_count_12m
                          FROM dental_appointment a
                          JOIN dental_chair ch ON ch.id = a.chair_id
                          JOIN resource_calendar rc ON rc.id = ch.resource_calendar_id
                         WHERE a.patient_id = pat.id AND a.state = 'done'
                   ) visits ON TRUE
             LEFT JOIN LATERAL (
                        SELECT min(a.start) AS next_start
                          FROM dental_appointment a
                         WHERE a.patient_id = pat.id AND a.state IN ('scheduled', 'confirmed')
                           AND a.start >= now() AT TIME ZONE 'UTC'
                   ) upcoming ON TRUE
                 WHERE pat.active
            )
            """,
                table=SQL.identifier(self._table),
            )
        )
