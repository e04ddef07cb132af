"""The patient's data rights (LGPD) and the record's retention, on ``dental.patient``."""

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from .dental_clinical_integrity import RETENTION_YEARS
from .dental_field_guard import is_blank
from .dental_roles import DENTIST_GROUP, MANAGER_GROUP

# Patient fields whose reading means "opened the clinical data", by kind of access.
ACCESS_FIELDS = {
    'anamnesis': {'condition_ids', 'medications', 'allergies', 'anamnesis_notes', 'anamnesis_date', 'medical_alert'},
    'odontogram': {'odontogram_data', 'tooth_condition_ids'},
    'treatments': {'treatment_ids', 'treatment_plan_ids', 'clinical_history_html'},
    'notes': {'clinical_note_ids', 'clinical_history_html'},
    # The clinical history lists the signed documents (dental_patient_document.py).
    'documents': {'clinical_history_html'},
}
# Consents that govern messages to the patient (reminders, recalls).
MESSAGE_CONSENTS = ('email', 'sms', 'whatsapp')
# Set on the cursor (not in the context, which a client could send) while a form's access is being logged.
ACCESS_LOG_BUSY = 'dental_clinic.access_log_busy'
# Models holding the clinical record of a patient, with the dates of their entries (besides their
# creation): deletion is refused until 20 years after the last one. The one list of them: the purge
# deletes exactly these, in this order (addenda before their notes).
RETENTION_DATE_FIELDS = {
    'dental.clinical.note.addendum': ('date',),
    'dental.clinical.note': ('date', 'signed_date'),
    'dental.treatment': ('date_done',),
    'dental.tooth.condition': ('date',),
    'dental.treatment.plan': ('date', 'date_accepted'),
    'dental.consent': ('date',),
}
# Contact fields cleared by the anonymisation (identity and contact data).
PARTNER_IDENTITY_FIELDS = (
    'email',
    'phone',
    'mobile',
    'street',
    'street2',
    'zip',
    'city',
    'state_id',
    'country_id',
    'vat',
    'website',
    'function',
    'title',
    'ref',
    'comment',
    'image_1920',
    'parent_id',
)


class DentalPatient(models.Model):
    _inherit = 'dental.patient'
    _dental_system_fields = ('file_number', 'is_anonymized')

    retention_date = fields.Date(
        string='Keep Record Until',
        compute='_compute_retention_date',
        store=True,
        compute_sudo=True,
        precompute=True,
        help='20 years after the last entry of the clinical record (findings, treatments, plans, notes, '
        'consents, anamnesis): the record cannot be deleted before this date.',
    )
    retention_over = fields.Boolean(
        string='Retention Period Over',
        compute='_compute_retention_over',
        help='The record may be deleted (by a manager, through the deletion wizard).',
    )
    consent_ids = fields.One2many('dental.consent', 'patient_id', string='Consents')
    access_log_ids = fields.One2many('dental.access.log', 'patient_id', groups=MANAGER_GROUP)
    is_anonymized = fields.Boolean(string='Anonymised', readonly=True, copy=False)
    withdrawn_channels = fields.Char(
        string='Messages Refused',
        compute='_compute_withdrawn_channels',
        help='Message channels whose consent the patient withdrew: no reminder goes through them.',
    )

    @api.depends(
        'treatment_ids.state',
        'treatment_ids.date_done',
        'tooth_condition_ids.date',
        'treatment_plan_ids.date',
        'treatment_plan_ids.date_accepted',
        'clinical_note_ids.date',
        'clinical_note_ids.signed_date',
        'clinical_note_ids.addendum_ids.date',
        'consent_ids.date',
        'condition_ids',
        'medications',
        'allergies',
        'anamnesis_notes',
        'anamnesis_date',
    )
    def _compute_retention_date(self):
        retention = self._dental_retention_dates()
        for patient in self:
            patient.retention_date = retention.get(patient.id, False)

    def _dental_retention_dates(self):
        """{patient id: last clinical entry + 20 years}, from the records themselves.

        Every entry of the record counts, whatever its state: findings, treatments planned or done,
        plans, notes draft or signed, addenda, consents and the anamnesis. An entry counts at the
        later of its own dates and the day it was written down (``create_date``): an undated entry
        (a planned treatment) counts from its creation, and a back-dated one cannot shorten the
        period. A patient without any entry has no date.
        """
        last = {}

        def keep_latest(patient_id, *values):
            for value in values:
                value = fields.Date.to_date(value) if value else None
                if value and (patient_id not in last or value > last[patient_id]):
                    last[patient_id] = value

        ids = [pid for pid in self.ids if pid]
        if ids:
            env = self.with_context(active_test=False).sudo().env
            for model, date_fnames in self._dental_retention_models().items():
                aggregates = [f'{fname}:max' for fname in ('create_date', *date_fnames)]
                for patient, *values in env[model]._read_group([('patient_id', 'in', ids)], ['patient_id'], aggregates):
                    keep_latest(patient.id, *values)
            # The anamnesis is kept on the patient itself.
            for patient in self.browse(ids).sudo():
                if patient.condition_ids or not all(
                    is_blank(text) for text in (patient.medications, patient.allergies, patient.anamnesis_notes)
                ):
                    keep_latest(patient.id, patient.create_date, patient.anamnesis_date)
        return {pid: entry + relativedelta(years=RETENTION_YEARS) for pid, entry in last.items()}

    def write(self, vals):
        if not self.env.su and {'retention_date', 'is_anonymized'} & vals.keys():
            raise UserError(_('The retention date and the anonymisation are set by the system.'))
        return super().write(vals)

    @api.depends('retention_date')
    def _compute_retention_over(self):
        today = fields.Date.context_today(self)
        for patient in self:
            patient.retention_over = bool(patient.retention_date) and patient.retention_date < today

    def _compute_withdrawn_channels(self):
        labels = dict(self.env['dental.consent']._fields['consent_type']._description_selection(self.env))
        withdrawn = {patient.id: [] for patient in self}
        for kind in MESSAGE_CONSENTS:
            for patient_id, state in self._dental_consent_states(kind).items():
                if state == 'withdrawn':
                    withdrawn[patient_id].append(labels[kind])
        for patient in self:
            patient.withdrawn_channels = ', '.join(withdrawn.get(patient.id, [])) or False

    # ------------------------------------------------------------------
    # Access log
    # ------------------------------------------------------------------

    def web_read(self, specification):
        """The patient form: one access log statement for the patient and every clinical record shown."""
        kinds = [kind for kind, fnames in ACCESS_FIELDS.items() if fnames & specification.keys()]
        if not kinds or not self or not self._dental_access_logged():
            return super().web_read(specification)
        # The records read for the form (treatments, notes…) are part of this one access: not logged again.
        cache = self.env.cr.cache
        outer = cache.get(ACCESS_LOG_BUSY)
        cache[ACCESS_LOG_BUSY] = True
        try:
            result = super().web_read(specification)
        finally:
            cache[ACCESS_LOG_BUSY] = outer
        self._dental_log_access(kinds)
        return result

    # Both write the access log: served on a read/write cursor (see web's DataSet._call_kw_readonly).
    web_read._readonly = False

    def read(self, fields=None, load='_classic_read'):
        """Clinical fields read by RPC outside the form are logged too."""
        result = super().read(fields, load=load)
        if self and self._dental_access_logged():
            requested = set(fields or self._fields)
            kinds = [kind for kind, fnames in ACCESS_FIELDS.items() if fnames & requested]
            if kinds:
                self._dental_log_access(kinds)
        return result

    read._readonly = False

    def _dental_access_logged(self):
        """Whether reading clinical data now goes to the access log: dentists and managers, not superuser
        code, and not again inside an access already being logged."""
        return not self.env.su and not self.env.cr.cache.get(ACCESS_LOG_BUSY) and self.env.user.has_group(DENTIST_GROUP)

    def _dental_log_access(self, kinds):
        """Log that the current user opened these patients' clinical data (``kinds`` from ACCESS_KINDS)."""
        self.env['dental.access.log']._log(self.env.user, self.ids, set(kinds))

    # ------------------------------------------------------------------
    # Consent
    # ------------------------------------------------------------------

    def _dental_consent_states(self, kind):
        """{patient id: 'given' | 'withdrawn'} from the latest entry of that kind, for the batch."""
        states = {}
        if self.ids and all(self.ids):
            self.env.cr.execute(
                SQL(
                    """
                SELECT DISTINCT ON (patient_id) patient_id, state FROM dental_consent
                 WHERE patient_id IN %s AND consent_type = %s
              ORDER BY patient_id, date DESC, id DESC
            """,
                    tuple(self.ids),
                    kind,
                )
            )
            states = dict(self.env.cr.fetchall())
        return states

    def _dental_has_consent(self, kind, default=False):
        """Whether the patient's latest entry of this kind is a consent given; ``default`` when none.

        Reminders call it with ``default=True`` for the message channels: a reminder of a booked visit
        needs no prior consent, but stops once the patient withdraws it.
        """
        self.ensure_one()
        state = self._dental_consent_states(kind).get(self.id)
        return default if state is None else state == 'given'

    def action_view_consents(self):
        return self._action_patient_records('dental.consent', _('Consents'))

    # ------------------------------------------------------------------
    # Integrity, access log, data rights (manager)
    # ------------------------------------------------------------------

    def _dental_check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_('Only the clinic manager can do this.'))

    def action_verify_integrity(self):
        """Check the seals of this patient's signed notes and addenda."""
        self.ensure_one()
        self._dental_check_manager()
        self.check_access('read')
        Chain = self.env['dental.integrity.chain'].sudo()
        problems = Chain._verify(patient_ids=self.ids)
        return Chain._notify(Chain._problems_message(problems, Chain._count_entries(patient_ids=self.ids)), problems)

    def action_view_access_log(self):
        self.ensure_one()
        self._dental_check_manager()
        return {
            'type': 'ir.actions.act_window',
            'name': _('Access Log'),
            'res_model': 'dental.access.log',
            'view_mode': 'list',
            'domain': [('patient_id', '=', self.id)],
        }

    def action_open_anonymize(self):
        self.ensure_one()
        self._dental_check_manager()
        return self._dental_wizard('dental.patient.anonymize', _('Anonymise Patient'))

    def action_open_purge(self):
        self.ensure_one()
        self._dental_check_manager()
        return self._dental_wizard('dental.patient.purge', _('Delete Patient Record'))

    def _dental_wizard(self, model, name):
        return {
            'type': 'ir.actions.act_window',
            'name': name,
            'res_model': model,
            'view_mode': 'form',
            'target': 'new',
            'context': {'default_patient_id': self.id},
        }

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------

    @api.model
    def _dental_retention_models(self):
        """RETENTION_DATE_FIELDS and every signed document model (dated by its date and signature), the
        documents first: the purge deletes them in this order (their lines go with them)."""
        documents = dict.fromkeys(
            self.env['dental.integrity.chain']._document_models(), ('date', 'signed_date', 'patient_signed_date')
        )
        return {**documents, **RETENTION_DATE_FIELDS}

    def _dental_clinical_patients(self):
        """The patients of ``self`` that have any entry in their clinical record (see the retention dates)."""
        return self.browse(sorted(self._dental_retention_dates()))

    @api.model
    def _dental_purge_allowed(self, patients):
        """True when the retention purge of these patients is under way (set by the purge wizard, in
        this transaction only, never from a request) and their retention period is over."""
        if not patients:
            return False
        self.env.cr.execute(SQL("SELECT current_setting('dental_clinic.purge_patient_ids', true)"))
        allowed = {int(pid) for pid in (self.env.cr.fetchone()[0] or '').split(',') if pid}
        if not set(patients.ids) <= allowed:
            return False
        # Computed from the records, not read from the stored field; no date left means the record is
        # already gone (the purge deletes it piece by piece).
        today = fields.Date.context_today(self)
        return all(limit < today for limit in patients._dental_retention_dates().values())

    @api.ondelete(at_uninstall=False)
    def _unlink_except_clinical_record(self):
        """No bypass, superuser included: the law, not a role, says how long the record is kept."""
        clinical = self._dental_clinical_patients()
        if clinical and not self._dental_purge_allowed(clinical):
            retention = clinical[:1]._dental_retention_dates()
            if retention:
                raise UserError(
                    _(
                        'This patient\'s clinical record must be kept until %(date)s (20 years after its last entry); '
                        'archive the patient instead.',
                        date=next(iter(retention.values())),
                    )
                )
            raise UserError(_('Patients with clinical records cannot be deleted: archive them instead.'))

    def _dental_purge(self):
        """Delete the patients and their whole record; the caller has checked the manager and the dates."""
        ids = ','.join(str(pid) for pid in self.ids)
        self.env.cr.execute(SQL("SELECT set_config('dental_clinic.purge_patient_ids', %s, true)", f',{ids},'))
        try:
            env = self.sudo().env
            domain = [('patient_id', 'in', self.ids)]
            for model in self._dental_retention_models():
                env[model].with_context(active_test=False).search(domain).unlink()
            appointments = env['dental.appointment'].with_context(active_test=False).search(domain)
            appointments.unlink()
            partners = self.sudo().partner_id
            self.sudo().unlink()
            for partner in partners:
                try:
                    with self.env.cr.savepoint():
                        partner.unlink()
                except Exception:  # noqa: BLE001 - a contact used elsewhere in Odoo stays
                    partner.sudo().write({'active': False})
        finally:
            self.env.cr.execute(SQL("SELECT set_config('dental_clinic.purge_patient_ids', '', true)"))


class DentalTreatment(models.Model):
    _inherit = 'dental.treatment'

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        """Done treatments go only with their patient's record, after the retention period."""
        if self.env['dental.patient']._dental_purge_allowed(self.patient_id):
            return
        return super()._unlink_except_done()
