from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .dental_roles import DENTIST_GROUP, dentist_domain
from .dental_tooth import is_valid_tooth

# What was done, where and when: fixed once a treatment is done.
DONE_LOCKED_FIELDS = ('state', 'date_done', 'tooth', 'surface_ids', 'procedure_id', 'patient_id')
TREATMENT_STATES = [
    ('planned', 'Planned'),
    ('done', 'Done'),
    ('cancelled', 'Cancelled'),
]


class DentalTreatment(models.Model):
    """One procedure for one patient, on a tooth and its surfaces when the procedure says so."""

    _name = 'dental.treatment'
    _inherit = ['dental.patient.record']
    _description = 'Dental Treatment'
    _order = 'date_done desc, id desc'

    procedure_id = fields.Many2one(
        'dental.procedure', string='Procedure', required=True, ondelete='restrict', check_company=True)
    category = fields.Selection(related='procedure_id.category')
    requires_tooth = fields.Boolean(related='procedure_id.requires_tooth')
    requires_surface = fields.Boolean(related='procedure_id.requires_surface')
    surface_count = fields.Integer(related='procedure_id.surface_count')
    tooth = fields.Char(
        size=2, index=True,
        help='FDI number: permanent 11-18, 21-28, 31-38, 41-48; deciduous 51-55, 61-65, 71-75, 81-85.')
    surface_ids = fields.Many2many('dental.tooth.surface', string='Surfaces')
    dentist_id = fields.Many2one(
        'res.users', string='Dentist', index=True, default=lambda self: self._default_dentist(),
        domain=dentist_domain)
    plan_id = fields.Many2one(
        'dental.treatment.plan', string='Treatment Plan', index=True, ondelete='set null', check_company=True)
    # 'set null': the treatment stays in the clinical record if its appointment is deleted.
    appointment_id = fields.Many2one(
        'dental.appointment', string='Appointment', index='btree_not_null', ondelete='set null', check_company=True,
        help='The visit where it is planned or was done.')
    state = fields.Selection(TREATMENT_STATES, required=True, default='planned', index=True, copy=False)
    date_done = fields.Date(string='Date Done', copy=False)
    notes = fields.Text(string='Diagnosis / Notes')
    paid = fields.Boolean(copy=False)

    @api.model
    def _default_dentist(self):
        return self.env.user if self.env.user.has_group(DENTIST_GROUP) else False

    @api.depends('procedure_id', 'tooth', 'surface_ids')
    def _compute_display_name(self):
        for treatment in self:
            parts = [treatment.procedure_id.name or _('New treatment')]
            if treatment.tooth:
                parts.append(_('tooth %s', treatment.tooth))
            if treatment.surface_ids:
                parts.append(''.join(treatment.surface_ids.mapped('code')))
            treatment.display_name = ' · '.join(parts)

    @api.constrains('tooth', 'surface_ids', 'procedure_id')
    def _check_tooth(self):
        for treatment in self:
            if treatment.tooth and not is_valid_tooth(treatment.tooth):
                raise ValidationError(_(
                    '%s is not a tooth number: use FDI numbering (11-18, 21-28, 31-38, 41-48, '
                    'or 51-55, 61-65, 71-75, 81-85 for deciduous teeth).', treatment.tooth))
            if treatment.procedure_id.requires_tooth and not treatment.tooth:
                raise ValidationError(_('%s needs a tooth.', treatment.procedure_id.name))
            if treatment.procedure_id.requires_surface and not treatment.surface_ids:
                raise ValidationError(_(
                    '%(procedure)s on tooth %(tooth)s needs at least one surface.',
                    procedure=treatment.procedure_id.name, tooth=treatment.tooth))
            if treatment.surface_ids and not treatment.tooth:
                raise ValidationError(_('Surfaces are given without a tooth.'))

    @api.constrains('surface_ids', 'procedure_id')
    def _check_surface_count(self):
        """A two-surface restoration names two surfaces: the procedure says how many it needs."""
        for treatment in self:
            needed = treatment.procedure_id.surface_count
            if needed and treatment.surface_ids and len(treatment.surface_ids) != needed:
                raise ValidationError(_(
                    '%(procedure)s needs %(needed)s surface(s); %(given)s ticked.',
                    procedure=treatment.procedure_id.name, needed=needed, given=len(treatment.surface_ids)))

    @api.constrains('plan_id', 'patient_id')
    def _check_plan_patient(self):
        self._check_same_patient('plan_id')

    @api.constrains('appointment_id', 'patient_id')
    def _check_appointment_patient(self):
        self._check_same_patient('appointment_id')

    @api.constrains('state', 'date_done')
    def _check_date_done(self):
        for treatment in self:
            if treatment.state == 'done' and not treatment.date_done:
                raise ValidationError(_('A treatment that is done needs the date it was done.'))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get('tooth'):
                vals['tooth'] = vals['tooth'].strip()
            if vals.get('state') == 'done' and not vals.get('date_done'):
                vals['date_done'] = fields.Date.context_today(self)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and any(fname in vals for fname in DONE_LOCKED_FIELDS) \
                and any(treatment.state == 'done' for treatment in self):
            raise UserError(_(
                'A treatment that was done is part of the clinical record: what, where and when it was done '
                'cannot be changed. Record a new finding or treatment instead.'))
        if vals.get('tooth'):
            vals['tooth'] = vals['tooth'].strip()
        if vals.get('state') == 'done' and 'date_done' not in vals:
            vals['date_done'] = fields.Date.context_today(self)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(treatment.state == 'done' for treatment in self):
            raise UserError(_('Treatments that were done belong to the clinical record and cannot be deleted.'))

    def action_done(self):
        if any(treatment.state != 'planned' for treatment in self):
            raise UserError(_('Only planned treatments can be marked as done.'))
        self.write({'state': 'done', 'date_done': fields.Date.context_today(self)})

    def action_cancel(self):
        if any(treatment.state == 'done' for treatment in self):
            raise UserError(_('A treatment that was done cannot be cancelled.'))
        self.write({'state': 'cancelled'})

    def action_reset_planned(self):
        if any(treatment.state != 'cancelled' for treatment in self):
            raise UserError(_('Only cancelled treatments can be planned again.'))
        self.write({'state': 'planned'})
