from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.dental_procedure import PROCEDURE_CATEGORIES
from ..models.dental_treatment import TREATMENT_STATES

TOOTH_GROUPS = [
    ('upper_anterior', 'Upper Anterior'),
    ('upper_posterior', 'Upper Posterior'),
    ('lower_anterior', 'Lower Anterior'),
    ('lower_posterior', 'Lower Posterior'),
    ('none', 'No Tooth'),
]


class DentalTreatmentReport(models.Model):
    """Treatment analysis: one row per treatment, clinical (dentists and managers only).

    The tooth group follows FDI numbering: quadrants 1, 2 (5, 6 deciduous) are
    upper, 3, 4 (7, 8) lower; incisors and canines (x1-x3) are anterior, the
    rest posterior. A treatment is planned on its plan's date, or the day it
    was recorded when it belongs to no plan.
    """

    _name = 'dental.treatment.report'
    _description = 'Treatment Analysis'
    _auto = False
    _order = 'date_done desc, id desc'
    _rec_name = 'treatment_id'

    treatment_id = fields.Many2one('dental.treatment', readonly=True)
    patient_id = fields.Many2one('dental.patient', readonly=True)
    procedure_id = fields.Many2one('dental.procedure', readonly=True)
    category = fields.Selection(PROCEDURE_CATEGORIES, readonly=True)
    tooth = fields.Char(readonly=True)
    tooth_group = fields.Selection(TOOTH_GROUPS, readonly=True)
    dentist_id = fields.Many2one('res.users', readonly=True)
    company_id = fields.Many2one('res.company', readonly=True)
    state = fields.Selection(TREATMENT_STATES, string='Status', readonly=True)
    date_planned = fields.Date(readonly=True)
    date_done = fields.Date(readonly=True)
    done_count = fields.Integer(string='Done', readonly=True)
    planned_count = fields.Integer(string='Planned', readonly=True)
    days_to_done = fields.Float(
        string='Days Planned to Done',
        readonly=True,
        aggregator='avg',
        help='Days between planning and doing the treatment (done treatments only).',
    )

    def _select(self):
        planned = SQL(
            "COALESCE(plan.date, (t.create_date AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(rc.tz, 'UTC'))::date)"
        )
        return SQL(
            """
            t.id AS id,
            t.id AS treatment_id,
            t.patient_id AS patient_id,
            t.procedure_id AS procedure_id,
            p.category AS category,
            t.tooth AS tooth,
            CASE
                WHEN t.tooth IS NULL OR t.tooth = '' THEN 'none'
                WHEN left(t.tooth, 1) IN ('1', '2', '5', '6') AND right(t.tooth, 1) IN ('1', '2', '3')
                    THEN 'upper_anterior'
                WHEN left(t.tooth, 1) IN ('1', '2', '5', '6') THEN 'upper_posterior'
                WHEN right(t.tooth, 1) IN ('1', '2', '3') THEN 'lower_anterior'
                ELSE 'lower_posterior'
            END AS tooth_group,
            t.dentist_id AS dentist_id,
            t.company_id AS company_id,
            t.state AS state,
            %(planned)s AS date_planned,
            t.date_done AS date_done,
            CASE WHEN t.state = 'done' THEN 1 ELSE 0 END AS done_count,
            CASE WHEN t.state = 'planned' THEN 1 ELSE 0 END AS planned_count,
            CASE WHEN t.state = 'done' THEN GREATEST(t.date_done - %(planned)s, 0) END AS days_to_done
            """,
            planned=planned,
        )

    def _from(self):
        return SQL(
            """
            dental_treatment t
            JOIN dental_procedure p ON p.id = t.procedure_id
            LEFT JOIN dental_treatment_plan plan ON plan.id = t.plan_id
            LEFT JOIN res_company c ON c.id = t.company_id
            LEFT JOIN resource_calendar rc ON rc.id = c.resource_calendar_id
            """
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                'CREATE OR REPLACE VIEW %s AS (SELECT %s FROM %s)',
                SQL.identifier(self._table),
                self._select(),
                self._from(),
            )
        )
