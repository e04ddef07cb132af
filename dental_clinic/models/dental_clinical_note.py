from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_date, html2plaintext

from .dental_field_guard import is_blank


class DentalClinicalNote(models.Model):
    """Clinical progress note (evolução). Signed notes are part of the legal record: never changed,
    never deleted, by anyone, sudo included; corrections go into addenda."""

    _name = 'dental.clinical.note'
    _inherit = ['dental.patient.record']
    _description = 'Clinical Note'
    _order = 'date desc, id desc'
    _dental_system_fields = ('signed_date',)

    author_id = fields.Many2one(
        'res.users', required=True, index=True, ondelete='restrict', default=lambda self: self.env.user
    )
    # 'restrict': deleting the appointment must not change a signed note behind its lock.
    appointment_id = fields.Many2one(
        'dental.appointment',
        index='btree_not_null',
        ondelete='restrict',
        check_company=True,
        help='The visit this note records.',
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    body = fields.Html(sanitize_style=True)
    state = fields.Selection(
        [('draft', 'Draft'), ('signed', 'Signed')], required=True, default='draft', index=True, copy=False
    )
    signed_date = fields.Datetime(string='Signed On', readonly=True, copy=False)
    addendum_ids = fields.One2many('dental.clinical.note.addendum', 'note_id', string='Addenda')
    addendum_count = fields.Integer(compute='_compute_addendum_count')

    @api.depends('addendum_ids')
    def _compute_addendum_count(self):
        for note in self:
            note.addendum_count = len(note.addendum_ids)

    @api.depends('patient_id', 'date')
    @api.depends_context('lang', 'tz')
    def _compute_display_name(self):
        for note in self:
            date = (
                format_date(
                    self.env,
                    fields.Datetime.context_timestamp(note, note.date),
                    lang_code=self.env.lang or self.env.user.lang,
                )
                if note.date
                else ''
            )
            note.display_name = _('%(patient)s, %(date)s', patient=note.patient_id.name or '', date=date)

    @api.constrains('appointment_id', 'patient_id')
    def _check_appointment_patient(self):
        self._check_same_patient('appointment_id')

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        self.env['dental.patient']._dental_check_cpf_for_records(vals_list)
        for vals in vals_list:
            # The author is whoever writes the note; only data loading (superuser) says otherwise.
            if not self.env.su:
                vals['author_id'] = self.env.uid
            if vals.get('state') == 'signed':
                vals['signed_date'] = fields.Datetime.now()
        notes = super().create(vals_list)
        notes.filtered(lambda note: note.state == 'signed')._check_can_sign()
        return notes

    def write(self, vals):
        self._dental_check_client_values('write', [vals])
        self._check_not_signed()
        if 'author_id' in vals and not self.env.su and any(note.author_id.id != vals['author_id'] for note in self):
            raise UserError(_('The author of a clinical note cannot be changed.'))
        if 'state' in vals and vals['state'] not in ('draft', 'signed'):
            raise ValidationError(_('A clinical note is a draft or signed.'))
        if vals.get('state') == 'signed':
            # What is signed is the note as it is after this write: write the rest first, then sign.
            vals = dict(vals)
            vals.pop('state')
            if vals:
                super().write(vals)
            self._check_can_sign()
            return super().write({'state': 'signed', 'signed_date': fields.Datetime.now()})
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        self._check_not_signed()

    def _check_not_signed(self):
        signed = self.filtered(lambda note: note.state == 'signed')
        if signed:
            raise UserError(
                _(
                    'Signed clinical notes cannot be changed or deleted (%s). Add an addendum instead.',
                    ', '.join(signed.mapped('display_name')),
                )
            )

    def action_sign(self):
        self.write({'state': 'signed'})
        return True

    def _check_can_sign(self):
        """Only the author signs, and only a note that says something; whichever way the state is set."""
        if self.env.su:
            return
        for note in self:
            if note.author_id != self.env.user:
                raise UserError(_('Only the author of a clinical note can sign it.'))
            if is_blank(html2plaintext(note.body or '')):
                raise ValidationError(_('An empty clinical note cannot be signed.'))

    def action_add_addendum(self):
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Addendum'),
            'res_model': 'dental.clinical.note.addendum',
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_note_id': self.id},
        }


class DentalClinicalNoteAddendum(models.Model):
    """A dated correction or complement to a signed note; immutable once written."""

    _name = 'dental.clinical.note.addendum'
    _inherit = ['dental.field.guard']
    _description = 'Clinical Note Addendum'
    _order = 'date, id'
    _dental_system_fields = ('author_id', 'date')
    _check_company_auto = True

    note_id = fields.Many2one(
        'dental.clinical.note',
        string='Clinical Note',
        required=True,
        index=True,
        ondelete='restrict',
        check_company=True,
    )
    patient_id = fields.Many2one(related='note_id.patient_id', store=True, index=True)
    company_id = fields.Many2one(
        'res.company', string='Company', related='note_id.company_id', store=True, index=True, precompute=True
    )
    author_id = fields.Many2one(
        'res.users', required=True, readonly=True, ondelete='restrict', default=lambda self: self.env.user
    )
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    body = fields.Text(required=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        for vals in vals_list:
            # Author and time are facts, not input; only data loading (superuser) may set them.
            if not self.env.su or 'author_id' not in vals:
                vals['author_id'] = self.env.uid
            if not self.env.su or 'date' not in vals:
                vals['date'] = fields.Datetime.now()
        addenda = super().create(vals_list)
        if any(addendum.note_id.state != 'signed' for addendum in addenda):
            raise ValidationError(_('Only signed notes take addenda: edit a draft note directly.'))
        return addenda

    def write(self, vals):
        raise UserError(_('Addenda to clinical notes cannot be changed: write a new addendum.'))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_('Addenda to clinical notes cannot be deleted.'))
