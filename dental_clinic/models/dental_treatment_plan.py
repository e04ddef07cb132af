from odoo import _, api, fields, models
from odoo.exceptions import UserError

PLAN_STATES = [
    ('draft', 'Draft'),
    ('accepted', 'Accepted'),
    ('in_progress', 'In Progress'),
    ('completed', 'Completed'),
    ('cancelled', 'Cancelled'),
]


class DentalTreatmentPlan(models.Model):
    """Treatments proposed to a patient together; its progress follows its lines."""

    _name = 'dental.treatment.plan'
    _inherit = ['dental.patient.record']
    _description = 'Treatment Plan'
    _order = 'date desc, id desc'
    _dental_system_fields = ('date_accepted', 'is_cancelled')

    name = fields.Char(required=True, default=lambda self: _('Treatment Plan'))
    dentist_id = fields.Many2one('res.users', default=lambda self: self.env['dental.treatment']._default_dentist())
    date = fields.Date(required=True, default=fields.Date.context_today)
    date_accepted = fields.Date(string='Accepted On', readonly=True, copy=False)
    is_cancelled = fields.Boolean(string='Cancelled', readonly=True, copy=False)
    line_ids = fields.One2many('dental.treatment', 'plan_id', string='Treatments')
    line_count = fields.Integer(string='Treatment Count', compute='_compute_progress')
    progress = fields.Float(compute='_compute_progress', help='Share of the treatments already done.')
    state = fields.Selection(
        PLAN_STATES,
        compute='_compute_state',
        store=True,
        index=True,
        help='Draft until the patient accepts it, in progress from the first treatment done, '
        'completed when every treatment that is not cancelled is done.',
    )
    notes = fields.Text()

    @api.depends('is_cancelled', 'date_accepted', 'line_ids.state')
    def _compute_state(self):
        for plan in self:
            lines = plan.line_ids.filtered(lambda line: line.state != 'cancelled')
            if plan.is_cancelled:
                plan.state = 'cancelled'
            elif lines and all(line.state == 'done' for line in lines):
                plan.state = 'completed'
            elif any(line.state == 'done' for line in lines):
                plan.state = 'in_progress'
            elif plan.date_accepted:
                plan.state = 'accepted'
            else:
                plan.state = 'draft'

    @api.depends('line_ids.state')
    def _compute_progress(self):
        for plan in self:
            lines = plan.line_ids.filtered(lambda line: line.state != 'cancelled')
            plan.line_count = len(lines)
            done = len(lines.filtered(lambda line: line.state == 'done'))
            plan.progress = 100.0 * done / len(lines) if lines else 0.0

    @api.onchange('patient_id')
    def _onchange_patient_id(self):
        for line in self.line_ids:
            line.patient_id = self.patient_id

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        self.env['dental.patient']._dental_check_cpf_for_records(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        return super().write(vals)

    def action_accept(self):
        if any(plan.state != 'draft' for plan in self):
            raise UserError(_('Only draft treatment plans can be accepted.'))
        super().write({'date_accepted': fields.Date.context_today(self)})
        return True

    def action_cancel(self):
        if any(plan.state in ('completed', 'cancelled') for plan in self):
            raise UserError(_('Only treatment plans not completed nor cancelled can be cancelled.'))
        self.line_ids.filtered(lambda line: line.state == 'planned').action_cancel()
        super().write({'is_cancelled': True})
        return True

    def action_reset_draft(self):
        """Back to draft a plan cancelled or accepted before any of its treatments was done."""
        if any(plan.state not in ('cancelled', 'accepted') for plan in self):
            raise UserError(_('Only cancelled plans, or accepted plans with nothing done yet, go back to draft.'))
        super().write({'is_cancelled': False, 'date_accepted': False})
        return True
