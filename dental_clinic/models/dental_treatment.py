from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .dental_roles import DENTIST_GROUP, dentist_domain
from .dental_tooth import clean_tooth_vals, is_valid_tooth

# What was done, where, when, by whom and in which visit: fixed once a treatment is done.
DONE_LOCKED_FIELDS = (
    'state',
    'date_done',
    'tooth',
    'surface_ids',
    'procedure_id',
    'patient_id',
    'dentist_id',
    'appointment_id',
)
# The only state changes: target -> states it may come from.
TREATMENT_TRANSITIONS = {
    'done': ('planned',),
    'cancelled': ('planned',),
    'planned': ('cancelled',),
}
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

    procedure_id = fields.Many2one('dental.procedure', required=True, ondelete='restrict', check_company=True)
    category = fields.Selection(related='procedure_id.category')
    requires_tooth = fields.Boolean(related='procedure_id.requires_tooth')
    requires_surface = fields.Boolean(related='procedure_id.requires_surface')
    surface_count = fields.Integer(related='procedure_id.surface_count')
    tooth = fields.Char(
        size=2,
        index=True,
        help='FDI number: permanent 11-18, 21-28, 31-38, 41-48; deciduous 51-55, 61-65, 71-75, 81-85.',
    )
    surface_ids = fields.Many2many('dental.tooth.surface', string='Surfaces')
    dentist_id = fields.Many2one(
        'res.users', index=True, default=lambda self: self._default_dentist(), domain=dentist_domain
    )
    plan_id = fields.Many2one(
        'dental.treatment.plan', string='Treatment Plan', index=True, ondelete='set null', check_company=True
    )
    # 'set null': the treatment stays in the clinical record if its appointment is deleted.
    appointment_id = fields.Many2one(
        'dental.appointment',
        index='btree_not_null',
        ondelete='set null',
        check_company=True,
        help='The visit where it is planned or was done.',
    )
    state = fields.Selection(TREATMENT_STATES, required=True, default='planned', index=True, copy=False)
    date_done = fields.Date(copy=False)
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
                raise ValidationError(
                    _(
                        '%s is not a tooth number: use FDI numbering (11-18, 21-28, 31-38, 41-48, '
                        'or 51-55, 61-65, 71-75, 81-85 for deciduous teeth).',
                        treatment.tooth,
                    )
                )
            if treatment.procedure_id.requires_tooth and not treatment.tooth:
                raise ValidationError(_('%s needs a tooth.', treatment.procedure_id.name))
            if treatment.procedure_id.requires_surface and not treatment.surface_ids:
                raise ValidationError(
                    _(
                        '%(procedure)s on tooth %(tooth)s needs at least one surface.',
                        procedure=treatment.procedure_id.name,
                        tooth=treatment.tooth,
                    )
                )
            if treatment.surface_ids and not treatment.tooth:
                raise ValidationError(_('Surfaces are given without a tooth.'))

    @api.constrains('surface_ids', 'procedure_id')
    def _check_surface_count(self):
        """A two-surface restoration names two surfaces: the procedure says how many it needs."""
        for treatment in self:
            needed = treatment.procedure_id.surface_count
            if needed and treatment.surface_ids and len(treatment.surface_ids) != needed:
                raise ValidationError(
                    _(
                        '%(procedure)s needs %(needed)s surface(s); %(given)s ticked.',
                        procedure=treatment.procedure_id.name,
                        needed=needed,
                        given=len(treatment.surface_ids),
                    )
                )

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

    @api.constrains('dentist_id')
    def _check_dentist(self):
        for treatment in self:
            if treatment.dentist_id and not treatment.dentist_id.has_group(DENTIST_GROUP):
                raise ValidationError(_('%s is not a dentist of the clinic.', treatment.dentist_id.name))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        self._check_date_done_vals(vals_list)
        self.env['dental.patient']._dental_check_cpf_for_records(vals_list)
        for vals in vals_list:
            clean_tooth_vals(vals, self.env)
            if vals.get('state', 'planned') not in ('planned', 'done'):
                raise ValidationError(_('A treatment is recorded as planned or as done.'))
            if vals.get('state') == 'done' and not vals.get('date_done'):
                vals['date_done'] = fields.Date.context_today(self)
        return super().create(vals_list)

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        clean_tooth_vals(vals, self.env)
        self._check_date_done_vals([vals])
        done = self.filtered(lambda treatment: treatment.state == 'done')
        if done and any(fname in vals for fname in DONE_LOCKED_FIELDS):
            raise UserError(
                _(
                    'A treatment that was done is part of the clinical record: what, where, when and by whom it was '
                    'done cannot be changed. Record a new finding or treatment instead.'
                )
            )
        if done and 'notes' in vals:
            # Notes of a done treatment grow; what was written stays.
            for treatment in done:
                if not (vals['notes'] or '').startswith(treatment.notes or ''):
                    raise UserError(
                        _('Notes of a treatment that was done can only be added to, not changed or removed.')
                    )
        if 'state' in vals:
            allowed = TREATMENT_TRANSITIONS.get(vals['state'], ())
            if any(treatment.state != vals['state'] and treatment.state not in allowed for treatment in self):
                raise UserError(
                    _(
                        'A treatment goes from planned to done or cancelled, and from cancelled back '
                        'to planned; nothing else.'
                    )
                )
            if vals['state'] == 'done' and not vals.get('date_done'):
                vals = dict(vals, date_done=fields.Date.context_today(self))
        return super().write(vals)

    @api.model
    def _check_date_done_vals(self, vals_list):
        """A date done given by hand is a real date, not after today in the clinic's time zone (data loading
        may set any date)."""
        if self.env.su:
            return
        today = None
        for vals in vals_list:
            if not vals.get('date_done'):
                continue
            try:
                date_done = fields.Date.to_date(vals['date_done'])
            except (ValueError, TypeError):
                date_done = None
            if not date_done:
                raise ValidationError(_('%r is not a date.', vals['date_done']))
            today = today or self._dental_today()
            if date_done > today:
                raise ValidationError(_('A treatment cannot be done in the future (%s).', date_done))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(treatment.state == 'done' for treatment in self):
            raise UserError(_('Treatments that were done belong to the clinical record and cannot be deleted.'))

    def _complete_visit(self, date):
        """Planned treatments of a visit the dentist finishes become done on the visit's date."""
        if any(treatment.state != 'planned' for treatment in self):
            raise UserError(_('Only planned treatments can be marked as done.'))
        # The visit's date is the system's, not a date typed by hand: written past the client checks,
        # through write so that what follows a treatment done (recalls, tracking) happens.
        self.sudo().write({'state': 'done', 'date_done': date})

    def action_done(self):
        if any(treatment.state != 'planned' for treatment in self):
            raise UserError(_('Only planned treatments can be marked as done.'))
        self.write({'state': 'done', 'date_done': fields.Date.context_today(self)})
        return True

    def action_cancel(self):
        if any(treatment.state == 'done' for treatment in self):
            raise UserError(_('A treatment that was done cannot be cancelled.'))
        self.write({'state': 'cancelled'})
        return True

    def action_reset_planned(self):
        if any(treatment.state != 'cancelled' for treatment in self):
            raise UserError(_('Only cancelled treatments can be planned again.'))
        self.write({'state': 'planned'})
        return True
