"""Signed clinical documents: the paper a dentist hands over (prescriptions, certificates, consent terms...).

Every concrete model inheriting ``dental.signed.document`` is, by that inheritance alone:

* signed by ``action_sign`` (a dentist with a CRO, or the clinic for the documents that say so), which
  freezes the dentist's and the patient's identity and everything printed (``sealed_content``) and seals
  the document in its company's integrity chain (``dental.integrity.chain``), in the same transaction;
* locked once signed, for everybody, by a PostgreSQL trigger on its table and on its lines' tables;
* verified by Verify Integrity (hash, signature images, and its live content against the sealed one);
* part of the patient's record: clinical history and prontuário PDF, LGPD export, access log, retention.

A concrete model overrides ``_dental_document_content`` (its own fields and lines, raw values only: the
verification recomputes it in any language) and has a QWeb report printing ``_dental_print_values``.
"""

import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date
from odoo.tools.sql import table_exists

from .dental_clinical_integrity import lock_trigger, purge_allowed_function
from .dental_roles import DENTIST_GROUP

# Set at signing by the system, never by a client.
SIGNED_DOCUMENT_SYSTEM_FIELDS = (
    'state',
    'author_id',
    'signed_date',
    'dentist_name',
    'dentist_cro',
    'dentist_cro_uf',
    'dentist_specialty',
    'patient_name',
    'patient_cpf',
    'sealed_content',
    'patient_signed_date',
    'integrity_seq',
    'integrity_hash',
)
# Columns Odoo writes on any row, left out of the lock.
UNLOCKED_COLUMNS = ('write_date', 'write_uid')


def canonical_json(value):
    """The one text form of a document's content: sorted keys, no spacing, UTF-8 as is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(',', ':'))


class DentalSignedDocument(models.AbstractModel):
    """A clinical document the patient takes home, signed and sealed once issued (see the module docstring)."""

    _name = 'dental.signed.document'
    _inherit = ['dental.patient.record']
    _description = 'Signed Clinical Document'
    _order = 'date desc, id desc'
    # Opening one is opening the patient's clinical data (see dental.access.log).
    _dental_access_kind = 'documents'
    # Whether the patient must sign (on the form) before the dentist may sign and seal.
    _dental_patient_signature_required = False
    # Binary fields (attachment=False: in the row, under the lock) holding signature images; the hash covers
    # the SHA-256 of each, computed by PostgreSQL.
    _dental_signature_fields = ('patient_signature',)
    # One2many fields whose rows are part of the document: in its content, locked with it.
    _dental_line_fields = ()
    # XML id of the document's report action.
    _dental_report_action = None
    # Fields the patient signs on the screen (the text they read): fixed once they signed, unless the same write
    # clears their signature (to have it signed again).
    _dental_patient_signed_fields = ()

    date = fields.Date(required=True, default=fields.Date.context_today, help='Date printed on the document.')
    appointment_id = fields.Many2one(
        'dental.appointment',
        string='Visit',
        index='btree_not_null',
        ondelete='restrict',
        check_company=True,
        help='The visit the document was issued at.',
    )
    state = fields.Selection(
        [('draft', 'Draft'), ('signed', 'Signed and Sealed')], required=True, default='draft', index=True, copy=False
    )
    author_id = fields.Many2one(
        'res.users', string='Signed By', readonly=True, copy=False, ondelete='restrict', index='btree_not_null'
    )
    signed_date = fields.Datetime(string='Signed On', readonly=True, copy=False)
    dentist_name = fields.Char(readonly=True, copy=False)
    dentist_cro = fields.Char(string='Dentist CRO', readonly=True, copy=False)
    dentist_cro_uf = fields.Char(string='Dentist CRO State', readonly=True, copy=False)
    dentist_specialty = fields.Char(readonly=True, copy=False)
    patient_name = fields.Char(string='Patient Name (signed)', readonly=True, copy=False)
    patient_cpf = fields.Char(string='Patient CPF (signed)', readonly=True, copy=False)
    sealed_content = fields.Text(
        readonly=True, copy=False, help='Everything the document prints, frozen at signing (canonical JSON).'
    )
    patient_signature = fields.Binary(attachment=False, copy=False)
    patient_signed_date = fields.Datetime(string='Patient Signed On', readonly=True, copy=False)
    integrity_seq = fields.Integer(string='Chain Position', readonly=True, copy=False, index='btree_not_null')
    integrity_hash = fields.Char(readonly=True, copy=False)

    def init(self):
        super().init()
        if self._abstract or not self._auto:
            return
        cr = self.env.cr
        table = self._table
        cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS %s ON %s (company_id, integrity_seq) WHERE integrity_seq IS NOT NULL",
                SQL.identifier(f'{table}_chain_idx'),
                SQL.identifier(table),
            )
        )
        columns = [
            fname
            for fname, field in self._fields.items()
            if field.store and field.column_type and fname not in UNLOCKED_COLUMNS
        ]
        cr.execute(
            lock_trigger(
                table,
                f'signed {self._description.lower()}',
                columns,
                delete_when="OLD.state = 'signed'",
                change_when="OLD.state = 'signed' AND OLD.integrity_hash IS NOT NULL",
            )
        )
        for fname in self._dental_line_fields:
            field = self._fields[fname]
            Line = self.env[field.comodel_name]
            if table_exists(cr, Line._table):
                cr.execute(self._dental_line_lock_trigger(Line, field.inverse_name))
        # The retention purge's database check counts this table's signed documents from now on.
        cr.execute(purge_allowed_function(self.env))

    def _dental_line_lock_trigger(self, Line, parent_column):
        """SQL of the trigger refusing to add, change or delete a line of a signed document (the
        retention purge aside), whatever the way: the lines are part of what was signed."""
        table = Line._table
        columns = [
            fname
            for fname, field in Line._fields.items()
            if field.store and field.column_type and fname not in UNLOCKED_COLUMNS
        ]
        new = ', '.join(f'NEW.{column}' for column in columns)
        old = ', '.join(f'OLD.{column}' for column in columns)
        return SQL(
            f"""
            CREATE OR REPLACE FUNCTION {table}_lock() RETURNS trigger AS $$
            DECLARE
                parent_id integer;
                parent_patient integer;
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    parent_id := NEW.{parent_column};
                ELSIF TG_OP = 'UPDATE' AND ({new}) IS NOT DISTINCT FROM ({old}) THEN
                    RETURN NEW;
                ELSE
                    parent_id := OLD.{parent_column};
                END IF;
                SELECT patient_id INTO parent_patient FROM {self._table}
                 WHERE id = parent_id AND state = 'signed';
                IF parent_patient IS NULL AND TG_OP = 'UPDATE' THEN
                    SELECT patient_id INTO parent_patient FROM {self._table}
                     WHERE id = NEW.{parent_column} AND state = 'signed';
                END IF;
                IF parent_patient IS NOT NULL AND NOT dental_clinic_purge_allowed(parent_patient) THEN
                    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
                        MESSAGE = 'dental_clinic: the lines of a signed document cannot be changed';
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS {table}_lock ON {table};
            CREATE TRIGGER {table}_lock BEFORE INSERT OR UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_lock();
        """
        )

    @api.depends('patient_id', 'date')
    @api.depends_context('lang')
    def _compute_display_name(self):
        label = self.env['ir.model']._get(self._name).name if self else ''
        for document in self:
            date = format_date(self.env, document.date) if document.date else ''
            document.display_name = _(
                '%(document)s, %(patient)s, %(date)s',
                document=label,
                patient=document.patient_id.name or '',
                date=date,
            )

    @api.constrains('appointment_id', 'patient_id')
    def _check_appointment_patient(self):
        self._check_same_patient('appointment_id')

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def _dental_protected_fields(self, operation):
        return super()._dental_protected_fields(operation) | set(SIGNED_DOCUMENT_SYSTEM_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # A form sends the draft state it shows: that is no state given.
            if vals.get('state') == 'draft':
                del vals['state']
        self._dental_check_client_values('create', vals_list)
        self.env['dental.patient']._dental_check_cpf_for_records(vals_list)
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.get('patient_signature'):
                vals['patient_signed_date'] = now
            if vals.get('state', 'draft') != 'draft' and not self.env.su:
                raise UserError(_('A document is created as a draft, then signed.'))
        documents = super().create(vals_list)
        # The new entry moves the end of the patient's retention period.
        self.env.add_to_compute(self.env['dental.patient']._fields['retention_date'], documents.patient_id)
        return documents

    def write(self, vals):
        self._dental_check_patient_signed(vals)
        if vals.get('state') == 'draft' and all(document.state == 'draft' for document in self):
            vals = {fname: value for fname, value in vals.items() if fname != 'state'}
        self._dental_check_client_values('write', [vals])
        self._dental_check_draft()
        if 'patient_signature' in vals:
            vals = dict(vals, patient_signed_date=fields.Datetime.now() if vals['patient_signature'] else False)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if self.env['dental.patient']._dental_purge_allowed(self.patient_id):
            return
        self._dental_check_draft()

    def _dental_check_patient_signed(self, vals, fnames=None):
        """Refuse to change ``fnames`` (default: ``_dental_patient_signed_fields``) of documents the patient has
        signed on the screen: the patient signed that text. Clearing the signature in the same write is allowed."""
        fnames = self._dental_patient_signed_fields if fnames is None else fnames
        if set(vals) & set(fnames) and not ('patient_signature' in vals and not vals['patient_signature']):
            if any(document.patient_signature for document in self):
                raise UserError(
                    _('The patient has signed this text already: clear the patient\'s signature before changing it.')
                )

    def _dental_check_draft(self):
        if any(document.state != 'draft' for document in self):
            raise UserError(_('Signed documents cannot be changed or deleted: issue a new one instead.'))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_sign(self):
        """Sign and seal the documents (see ``_dental_sign``)."""
        for document in self:
            document._dental_sign()
        return True

    def action_sign_and_print(self):
        self.action_sign()
        return self.action_print()

    def action_print(self):
        """The document's PDF (the signed one is printed from what was sealed)."""
        self.check_access('read')
        return self.env.ref(self._dental_report_action).report_action(self)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _dental_signed_by_clinic(self):
        """Whether the clinic signs this document rather than a dentist (no CRO printed). Hook: ``False``,
        every clinical document is signed by a dentist."""
        self.ensure_one()
        return False

    def _dental_check_can_sign(self):
        """Refuse the signature of this draft by the current user, with the reason."""
        self.ensure_one()
        user = self.env.user
        if self.state != 'draft':
            raise UserError(_('This document is signed already.'))
        if not self._dental_signed_by_clinic():
            if not user.has_group(DENTIST_GROUP):
                raise AccessError(_('Only a dentist can sign a clinical document.'))
            if user._dental_identity_missing():
                raise UserError(
                    _(
                        'Fill in your CRO number and state in your preferences (your name at the top right, '
                        '"Preferences") before signing a clinical document.'
                    )
                )
        if self._dental_patient_signature_required and not self.patient_signature:
            raise UserError(_('The patient signs this document first.'))

    def _dental_sign(self):
        """Freeze the identities and the content, and seal the document in its company's chain, in one
        transaction (two statements, see ``dental.integrity.chain._seal_document``)."""
        self.ensure_one()
        self.check_access('write')
        self._dental_check_can_sign()
        self._dental_check_content()
        line_records = [self[fname] for fname in self._dental_line_fields]
        self.flush_recordset()
        for lines in line_records:
            lines.flush_recordset()
        now = fields.Datetime.now()
        by_clinic = self._dental_signed_by_clinic()
        user = self.env.user.sudo()
        patient = self.patient_id.sudo()
        values = {
            'state': 'signed',
            'author_id': self.env.uid,
            'signed_date': now,
            'dentist_name': False if by_clinic else user.name,
            'dentist_cro': False if by_clinic else user.dental_cro.strip(),
            'dentist_cro_uf': False if by_clinic else user.dental_cro_uf,
            'dentist_specialty': False
            if by_clinic or not user.dental_specialty
            else dict(user._fields['dental_specialty']._description_selection(self.env))[user.dental_specialty],
            'patient_name': patient.name,
            'patient_cpf': patient.cpf or False,
        }
        values['sealed_content'] = canonical_json(self._dental_seal_values(values))
        self.env['dental.integrity.chain'].sudo()._seal_document(self, values)

    def _dental_check_content(self):
        """Hook: refuse to sign a document missing what it must say (``ValidationError``)."""
        self.ensure_one()

    def _dental_document_content(self):
        """The document's own content, lines included, as JSON-ready raw values (no translated label):
        frozen at signing, recomputed by Verify Integrity to find a change made behind Odoo's back.
        Override with ``super()`` and add the model's fields."""
        self.ensure_one()
        return {
            'model': self._name,
            'date': fields.Date.to_string(self.date),
            'appointment_id': self.appointment_id.id or 0,
        }

    def _dental_seal_values(self, snapshot):
        """Everything printed: the document's content, who signs, the patient and the clinic."""
        company = self.company_id.sudo()
        partner = company.partner_id
        return {
            'content': self._dental_document_content(),
            'signed_date': fields.Datetime.to_string(snapshot['signed_date']) if snapshot['signed_date'] else '',
            'dentist': {
                'name': snapshot['dentist_name'] or '',
                'cro': snapshot['dentist_cro'] or '',
                'cro_uf': snapshot['dentist_cro_uf'] or '',
                'specialty': snapshot['dentist_specialty'] or '',
            },
            'patient': {
                'name': snapshot['patient_name'] or '',
                'cpf': snapshot['patient_cpf'] or '',
                'address': self._dental_address(self.patient_id.sudo().partner_id),
            },
            'clinic': {
                'name': company.name or '',
                'address': self._dental_address(partner),
                'city': partner.city or '',
                'phone': self.env['dental.patient']._display_phone(
                    partner.phone, company.country_id or self.env.ref('base.br')
                )
                or '',
            },
        }

    @api.model
    def _dental_address(self, partner):
        return ', '.join(
            part for part in (partner.street, partner.street2, partner.city, partner.state_id.code, partner.zip) if part
        )

    def _dental_print_values(self):
        """What the report prints: the sealed values of a signed document (reprinted identical whatever
        changed since), the live ones of a draft."""
        self.ensure_one()
        if self.state == 'signed' and self.sealed_content:
            return json.loads(self.sealed_content)
        user = self.env.user.sudo()
        by_clinic = self._dental_signed_by_clinic()
        return self._dental_seal_values(
            {
                'signed_date': False,
                'dentist_name': False if by_clinic else user.name,
                'dentist_cro': False if by_clinic else user.dental_cro,
                'dentist_cro_uf': False if by_clinic else user.dental_cro_uf,
                'dentist_specialty': False,
                'patient_name': self.patient_id.sudo().name,
                'patient_cpf': self.patient_id.sudo().cpf,
            }
        )

    def _dental_sealed_content_matches(self):
        """Whether the sealed content still says what the document's rows say now (superuser caller)."""
        self.ensure_one()
        try:
            sealed = json.loads(self.sealed_content or '')
        except ValueError:
            return False
        if not isinstance(sealed, dict):
            return False
        dentist = sealed.get('dentist') or {}
        return canonical_json(sealed.get('content')) == canonical_json(self._dental_document_content()) and (
            dentist.get('name') or False,
            dentist.get('cro') or False,
            dentist.get('cro_uf') or False,
        ) == (self.dentist_name or False, self.dentist_cro or False, self.dentist_cro_uf or False)

    def _dental_history_entry(self):
        """The document as a line of the patient's clinical history: {date, kind, summary, author}."""
        self.ensure_one()
        values = self._dental_print_values()
        dentist = values.get('dentist') or {}
        author = dentist.get('name') or self.author_id.name or ''
        if dentist.get('cro'):
            author = f'{author} (CRO-{dentist.get("cro_uf", "")} {dentist["cro"]})'
        return {
            'date': self.signed_date or fields.Datetime.to_datetime(self.date),
            'kind': self.env['ir.model']._get(self._name).name,
            'summary': self._dental_history_summary(values),
            'author': author,
            'record': self,
        }

    def _dental_history_summary(self, values):
        """Hook: one line saying what the document says, from its print values."""
        return self.display_name


class DentalSignedDocumentLine(models.AbstractModel):
    """A line of a signed document (a medicine of a prescription...): changed with its draft document only.

    The concrete model sets ``_dental_document_field`` (its many2one to the document, ``ondelete='cascade'``)
    and a stored related ``patient_id`` (the LGPD export finds its rows by it).
    """

    _name = 'dental.signed.document.line'
    _inherit = ['dental.field.guard']
    _description = 'Signed Document Line'
    _dental_document_field = None
    # Fields of the line the patient signs on the screen (see dental.signed.document).
    _dental_patient_signed_fields = ()

    def init(self):
        super().init()
        if self._abstract or not self._auto or not self._dental_document_field:
            return
        # Here too: on a fresh install the document's table is initialised before its lines' table.
        Document = self.env[self._fields[self._dental_document_field].comodel_name]
        if table_exists(self.env.cr, Document._table):
            self.env.cr.execute(Document._dental_line_lock_trigger(self, self._dental_document_field))

    @api.model_create_multi
    def create(self, vals_list):
        self._dental_check_client_values('create', vals_list)
        Document = self.env[self._fields[self._dental_document_field].comodel_name]
        Document.browse(
            {vals[self._dental_document_field] for vals in vals_list if vals.get(self._dental_document_field)}
        )._dental_check_draft()
        lines = super().create(vals_list)
        lines[self._dental_document_field]._dental_check_draft()
        return lines

    def write(self, vals):
        self[self._dental_document_field]._dental_check_patient_signed(vals, self._dental_patient_signed_fields)
        self._dental_check_client_values('write', [vals])
        self[self._dental_document_field]._dental_check_draft()
        result = super().write(vals)
        if self._dental_document_field in vals:
            self[self._dental_document_field]._dental_check_draft()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        documents = self[self._dental_document_field]
        if self.env['dental.patient']._dental_purge_allowed(documents.patient_id):
            return
        documents._dental_check_draft()
