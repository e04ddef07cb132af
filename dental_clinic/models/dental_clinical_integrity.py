"""Tamper evidence of the signed clinical record.

At signing, every note (and every addendum, in the same chain) gets a position
``integrity_seq`` in its company's chain and a SHA-256 ``integrity_hash`` over
its content, author, patient, times and the previous entry's hash (the pattern
of ``account.move.inalterable_hash``). A change made behind Odoo's back breaks
the hash of that entry; a deleted entry leaves a gap in the positions. A
PostgreSQL trigger refuses UPDATE and DELETE of signed rows as well, so that no
code path can change them.
"""

import json
from hashlib import sha256

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import table_exists

from .dental_roles import MANAGER_GROUP

# Lei 13.787/2018: the record is kept at least 20 years after its last entry. The one definition, for the
# retention dates (dental_patient_lgpd) and the database's lock on signed entries (below).
RETENTION_YEARS = 20
HASH_VERSION = 1
# Rows fetched per round trip when verifying a whole clinic.
VERIFY_BATCH = 20000
# Note columns fixed once signed (the trigger compares them; the hash covers them).
NOTE_LOCKED_COLUMNS = (
    'body',
    'author_id',
    'patient_id',
    'appointment_id',
    'date',
    'state',
    'signed_date',
    'company_id',
    'integrity_seq',
    'integrity_hash',
)
ADDENDUM_LOCKED_COLUMNS = (
    'note_id',
    'body',
    'author_id',
    'patient_id',
    'date',
    'company_id',
    'integrity_seq',
    'integrity_hash',
)


def lock_trigger(table, label, columns, delete_when, change_when):
    """SQL of the trigger refusing to change ``columns`` of a sealed row of ``table``, or to delete it, for
    everybody (superuser included): ``delete_when`` / ``change_when`` say when the row is locked, ``label``
    names it in the error."""
    new = ', '.join(f'NEW.{column}' for column in columns)
    old = ', '.join(f'OLD.{column}' for column in columns)
    return SQL(
        f"""
        CREATE OR REPLACE FUNCTION {table}_lock() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF {delete_when} AND NOT dental_clinic_purge_allowed(OLD.patient_id) THEN
                    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
                        MESSAGE = 'dental_clinic: {label} ' || OLD.id || ' cannot be deleted';
                END IF;
                RETURN OLD;
            END IF;
            -- What Odoo writes on any row (write_date, write_uid) is let through.
            IF {change_when} AND ({new}) IS DISTINCT FROM ({old}) THEN
                RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
                    MESSAGE = 'dental_clinic: {label} ' || OLD.id || ' cannot be changed';
            END IF;
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql;
        DROP TRIGGER IF EXISTS {table}_lock ON {table};
        CREATE TRIGGER {table}_lock BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_lock();
    """
    )


def purge_allowed_function(env):
    """SQL (re)defining ``dental_clinic_purge_allowed(patient)``, over the notes, addenda, treatments and
    the tables of the signed documents that exist already (each document table redefines it once created,
    so that the last one sees them all)."""
    document_dates = [
        SQL(
            "(SELECT max(signed_date)::date FROM %s WHERE patient_id = patient AND state = 'signed')",
            SQL.identifier(env[name]._table),
        )
        for name in env['dental.integrity.chain']._document_models()
        if table_exists(env.cr, env[name]._table)
    ]
    return SQL(
        """
        CREATE OR REPLACE FUNCTION dental_clinic_purge_allowed(patient integer) RETURNS boolean AS $$
            -- Only the retention purge (which sets this transaction-local setting after its checks)
            -- may delete a signed entry, and only of a patient whose last clinical entry is older
            -- than the retention period (computed here from the records, not from a stored field).
            SELECT position(',' || patient || ','
                            IN coalesce(current_setting('dental_clinic.purge_patient_ids', true), '')) > 0
               AND coalesce(greatest(
                       (SELECT max(date_done) FROM dental_treatment
                         WHERE patient_id = patient AND state = 'done'),
                       (SELECT max(signed_date)::date FROM dental_clinical_note
                         WHERE patient_id = patient AND state = 'signed'),
                       (SELECT max(date)::date FROM dental_clinical_note_addendum WHERE patient_id = patient)%s
                   ) + make_interval(years => %s) < CURRENT_DATE, true)
        $$ LANGUAGE sql STABLE;
    """,
        SQL("").join(SQL(",\n                       %s", date) for date in document_dates),
        RETENTION_YEARS,
    )


# Hash payload of the signed documents (``dental.signed.document``); notes and addenda keep HASH_VERSION.
DOCUMENT_HASH_VERSION = 1
# Chain kinds of the notes and addenda; a signed document's kind is its table.
NOTE_KINDS = {'dental_clinical_note': 'note', 'dental_clinical_note_addendum': 'addendum'}
# The entries of the notes and addenda, in the form the hash is computed on. The signed documents' tables
# are added by ``DentalIntegrityChain._chain_query`` (one branch per concrete model, from the registry).
CHAIN_BRANCHES = """
        SELECT 'note' AS kind, id, company_id, integrity_seq, patient_id, author_id, NULL::int AS note_id, state,
               date, signed_date, body::text AS body, integrity_hash, NULL::text AS signature_digest
          FROM dental_clinical_note
         WHERE integrity_seq IS NOT NULL
        UNION ALL
        SELECT 'addendum', id, company_id, integrity_seq, patient_id, author_id, note_id, NULL, date, NULL, body,
               integrity_hash, NULL::text
          FROM dental_clinical_note_addendum
         WHERE integrity_seq IS NOT NULL
"""
CHAIN_COLUMNS = """kind, id, company_id, integrity_seq, patient_id, author_id, note_id, state, date, signed_date, body,
           integrity_hash, signature_digest"""
# One query gives every kind of entry in the form the hash is computed on, at signing and at verification
# alike, so that both read exactly the same values (notes and addenda only: see ``_chain_query``).
CHAIN_QUERY = f"SELECT {CHAIN_COLUMNS} FROM ({CHAIN_BRANCHES}) entry"


def document_branch(table, signature_columns):
    """The CHAIN_QUERY branch of a signed document table: its sealed content stands for the body, and the
    SHA-256 of each signature image (computed by PostgreSQL from the row) is hashed with it."""
    digests = (
        SQL(" || ',' || ").join(
            SQL("coalesce(encode(sha256(%s), 'hex'), '')", SQL.identifier(column)) for column in signature_columns
        )
        if signature_columns
        else SQL("''")
    )
    return SQL(
        """
        SELECT %(kind)s, id, company_id, integrity_seq, patient_id, author_id, NULL::int, state, signed_date,
               signed_date, sealed_content, integrity_hash, (%(digests)s)::text
          FROM %(table)s
         WHERE integrity_seq IS NOT NULL
    """,
        kind=table,
        digests=digests,
        table=SQL.identifier(table),
    )


def _stamp(value):
    return value.isoformat(sep=' ') if value else ''


def compute_entry_hash(row, previous_hash):
    """SHA-256 of an entry (a CHAIN_QUERY row) chained to the previous entry's hash."""
    kind, rec_id, company_id, seq, patient_id, author_id, note_id, state, date, signed_date, body = row[:11]
    if kind not in NOTE_KINDS.values():
        # A signed document: its sealed content (everything printed) and its signature images' digests.
        payload = json.dumps(
            {
                'v': DOCUMENT_HASH_VERSION,
                'kind': kind,
                'id': rec_id,
                'company': company_id,
                'seq': seq,
                'patient': patient_id,
                'author': author_id or 0,
                'state': state or '',
                'signed': _stamp(signed_date),
                'content': body or '',
                'signatures': (row[12] if len(row) > 12 else '') or '',
            },
            sort_keys=True,
            ensure_ascii=True,
            separators=(',', ':'),
        )
        return sha256(((previous_hash or '') + payload).encode()).hexdigest()
    payload = json.dumps(
        {
            'v': HASH_VERSION,
            'kind': kind,
            'id': rec_id,
            'company': company_id,
            'seq': seq,
            'patient': patient_id,
            'author': author_id,
            'note': note_id or 0,
            'state': state or '',
            'date': _stamp(date),
            'signed': _stamp(signed_date),
            'body': body or '',
        },
        sort_keys=True,
        ensure_ascii=True,
        separators=(',', ':'),
    )
    return sha256(((previous_hash or '') + payload).encode()).hexdigest()


class DentalIntegrityChain(models.Model):
    """Head of each company's chain: last position and hash. Its row is locked while an entry is
    sealed, which serialises concurrent signings of a company (the loser is retried by Odoo)."""

    _name = 'dental.integrity.chain'
    _description = 'Clinical Record Integrity Chain'
    _log_access = False

    company_id = fields.Many2one('res.company', required=True, ondelete='cascade', index=True)
    last_seq = fields.Integer(required=True, default=0)
    last_hash = fields.Char()

    _sql_constraints = [('company_uniq', 'unique (company_id)', 'One chain per company.')]

    @api.model
    def _document_models(self):
        """Names of the concrete models inheriting ``dental.signed.document``: each joins its company's chain."""
        registry = self.env.registry
        mixin = registry.get('dental.signed.document')
        if mixin is None:
            return []
        return sorted(
            name
            for name, model in registry.items()
            if not model._abstract and model._auto and name != mixin._name and issubclass(model, mixin)
        )

    @api.model
    def _chain_query(self):
        """CHAIN_QUERY with a branch per signed document table (see ``document_branch``)."""
        branches = [SQL(CHAIN_BRANCHES)]
        for name in self._document_models():
            Document = self.env[name]
            branches.append(document_branch(Document._table, Document._dental_signature_fields))
        return SQL("SELECT %s FROM (%s) entry", SQL(CHAIN_COLUMNS), SQL(" UNION ALL ").join(branches))

    @api.model
    def _chain_kind(self, table):
        return NOTE_KINDS.get(table, table)

    @api.model
    def _seal_records(self, records):
        """Seal ``records`` (notes or addenda just signed or written), in id order, and reload their seal."""
        records.flush_recordset()
        self._seal([(records._table, record.id) for record in records.sorted('id')])
        records.invalidate_recordset(['integrity_seq', 'integrity_hash'])

    def _seal(self, entries):
        """Give each entry (list of (table, id), in order) its position and hash in its company's chain."""
        cr = self.env.cr
        for table, rec_id in entries:
            cr.execute(SQL("SELECT company_id FROM %s WHERE id = %s", SQL.identifier(table), rec_id))
            company_id = cr.fetchone()[0]
            cr.execute(
                SQL(
                    "INSERT INTO dental_integrity_chain (company_id, last_seq) VALUES (%s, 0) "
                    "ON CONFLICT (company_id) DO NOTHING",
                    company_id,
                )
            )
            cr.execute(
                SQL(
                    "SELECT last_seq, last_hash FROM dental_integrity_chain WHERE company_id = %s FOR UPDATE",
                    company_id,
                )
            )
            head = cr.fetchone()
            if not head:
                raise UserError(_('Another clinical note is being signed in this clinic: please try again.'))
            seq = head[0] + 1
            cr.execute(SQL("UPDATE %s SET integrity_seq = %s WHERE id = %s", SQL.identifier(table), seq, rec_id))
            kind = self._chain_kind(table)
            cr.execute(SQL("SELECT * FROM (%s) e WHERE kind = %s AND id = %s", self._chain_query(), kind, rec_id))
            entry_hash = compute_entry_hash(cr.fetchone(), head[1])
            cr.execute(
                SQL("UPDATE %s SET integrity_hash = %s WHERE id = %s", SQL.identifier(table), entry_hash, rec_id)
            )
            cr.execute(
                SQL(
                    "UPDATE dental_integrity_chain SET last_seq = %s, last_hash = %s WHERE company_id = %s",
                    seq,
                    entry_hash,
                    company_id,
                )
            )

    def _seal_document(self, document, values):
        """Sign and seal one draft document in two statements: ``values`` (state, snapshots, sealed content)
        are written with the document's next position in the chain, whose head row is locked by that same
        update (serialising concurrent signings of a company); then the hash is written on both.

        The hash is computed from the row as the UPDATE returns it, in the branch's own expressions, so that
        verification (which reads the branch) recomputes the same value.
        """
        document.ensure_one()
        cr = self.env.cr
        table = document._table
        company_id = document.company_id.id
        assignments = SQL(", ").join(
            SQL("%s = %s", SQL.identifier(fname), document._fields[fname].convert_to_column(value, document))
            for fname, value in values.items()
        )
        digests = SQL(" || ',' || ").join(
            SQL("coalesce(encode(sha256(doc.%s), 'hex'), '')", SQL.identifier(column))
            for column in document._dental_signature_fields
        ) or SQL("''")
        query = SQL(
            """
            WITH head AS (
                UPDATE dental_integrity_chain SET last_seq = last_seq + 1 WHERE company_id = %(company)s
                RETURNING last_seq, last_hash
            )
            UPDATE %(table)s doc SET %(assignments)s, integrity_seq = head.last_seq
              FROM head
             WHERE doc.id = %(id)s AND doc.state = 'draft'
         RETURNING %(kind)s, doc.id, doc.company_id, doc.integrity_seq, doc.patient_id, doc.author_id, NULL::int,
                   doc.state, doc.signed_date, doc.signed_date, doc.sealed_content, doc.integrity_hash,
                   (%(digests)s)::text, head.last_hash
        """,
            company=company_id,
            table=SQL.identifier(table),
            assignments=assignments,
            id=document.id,
            kind=table,
            digests=digests,
        )
        cr.execute(query)
        row = cr.fetchone()
        if row is None:
            # No head yet for this company (its first entry), or the document is no longer a draft.
            cr.execute(
                SQL(
                    "INSERT INTO dental_integrity_chain (company_id, last_seq) VALUES (%s, 0) "
                    "ON CONFLICT (company_id) DO NOTHING",
                    company_id,
                )
            )
            cr.execute(query)
            row = cr.fetchone()
            if row is None:
                raise UserError(_('This document is no longer a draft: reload it.'))
        entry_hash = compute_entry_hash(row[:13], row[13])
        cr.execute(
            SQL(
                """
            WITH doc AS (UPDATE %(table)s SET integrity_hash = %(hash)s WHERE id = %(id)s)
            UPDATE dental_integrity_chain SET last_hash = %(hash)s WHERE company_id = %(company)s
        """,
                table=SQL.identifier(table),
                hash=entry_hash,
                id=document.id,
                company=company_id,
            )
        )
        document.invalidate_recordset([*values, 'integrity_seq', 'integrity_hash'])

    @api.model
    def _seal_unsealed(self):
        """Seal signed notes, addenda and documents that have no seal yet, oldest first."""
        cr = self.env.cr
        branches = [
            SQL("""
                SELECT 'dental_clinical_note' AS tbl, id, signed_date AS stamp FROM dental_clinical_note
                 WHERE state = 'signed' AND integrity_seq IS NULL
                UNION ALL
                SELECT 'dental_clinical_note_addendum', id, date FROM dental_clinical_note_addendum
                 WHERE integrity_seq IS NULL
            """)
        ]
        for name in self._document_models():
            table = self.env[name]._table
            branches.append(
                SQL(
                    "SELECT %s, id, signed_date FROM %s WHERE state = 'signed' AND integrity_seq IS NULL",
                    table,
                    SQL.identifier(table),
                )
            )
        entries = SQL(" UNION ALL ").join(branches)
        cr.execute(SQL("SELECT tbl, id FROM (%s) entry ORDER BY stamp, tbl DESC, id", entries))
        self._seal(cr.fetchall())

    @api.model
    def _verify(self, company_ids=None, patient_ids=None):
        """Recompute the chains; return the problems found as a list of dicts (kind, id, patient, problem).

        Whole clinic: the entries are streamed in chain order through a server-side cursor.
        One patient: each entry is checked against its predecessor's stored hash.
        """
        cr = self.env.cr
        problems = []
        where = [SQL("TRUE")]
        if company_ids is not None:
            where.append(SQL("company_id IN %s", tuple(company_ids) or (0,)))
        if patient_ids is not None:
            where.append(SQL("patient_id IN %s", tuple(patient_ids) or (0,)))
        query = SQL("%s WHERE %s ORDER BY company_id, integrity_seq", self._chain_query(), SQL(" AND ").join(where))

        def problem(row, reason):
            problems.append({'kind': row[0], 'id': row[1], 'patient_id': row[4], 'seq': row[3], 'problem': reason})

        if patient_ids is not None:
            cr.execute(query)
            rows = cr.fetchall()
            previous = {}
            wanted = {(row[2], row[3] - 1) for row in rows if row[3] > 1}
            if wanted:
                cr.execute(
                    SQL(
                        "SELECT company_id, integrity_seq, integrity_hash FROM (%s) e "
                        "WHERE (company_id, integrity_seq) IN %s",
                        self._chain_query(),
                        tuple(wanted),
                    )
                )
                previous = {(company, seq): entry_hash for company, seq, entry_hash in cr.fetchall()}
            for row in rows:
                if row[3] > 1 and (row[2], row[3] - 1) not in previous:
                    problem(row, 'missing_previous')
                    continue
                if compute_entry_hash(row, previous.get((row[2], row[3] - 1))) != row[11]:
                    problem(row, 'hash_mismatch')
        else:
            company, last_seq, last_hash = None, 0, None
            cr.execute(SQL("DECLARE dental_chain NO SCROLL CURSOR FOR %s", query))
            while True:
                cr.execute(SQL("FETCH %s FROM dental_chain", VERIFY_BATCH))
                rows = cr.fetchall()
                if not rows:
                    break
                for row in rows:
                    if row[2] != company:
                        company, last_seq, last_hash = row[2], 0, None
                    if row[3] != last_seq + 1:
                        problem(row, 'gap')
                    elif compute_entry_hash(row, last_hash) != row[11]:
                        problem(row, 'hash_mismatch')
                    last_seq, last_hash = row[3], row[11]
            cr.execute(SQL("CLOSE dental_chain"))
            heads = self.sudo().search([] if company_ids is None else [('company_id', 'in', list(company_ids))])
            cr.execute(
                SQL("SELECT company_id, max(integrity_seq) FROM (%s) e GROUP BY company_id", self._chain_query())
            )
            last_by_company = dict(cr.fetchall())
            for head in heads:
                if head.last_seq != last_by_company.get(head.company_id.id, 0):
                    problems.append(
                        {
                            'kind': 'chain',
                            'id': head.id,
                            'patient_id': False,
                            'seq': head.last_seq,
                            'problem': 'truncated',
                        }
                    )
        # Signed notes that never got their seal (e.g. signed by SQL behind Odoo's back).
        unsealed_where = [SQL("state = 'signed' AND integrity_hash IS NULL")]
        if company_ids is not None:
            unsealed_where.append(SQL("company_id IN %s", tuple(company_ids) or (0,)))
        if patient_ids is not None:
            unsealed_where.append(SQL("patient_id IN %s", tuple(patient_ids) or (0,)))
        cr.execute(
            SQL(
                """
            SELECT 'note', id, patient_id FROM dental_clinical_note WHERE %s
             UNION ALL
            SELECT 'addendum', id, patient_id FROM dental_clinical_note_addendum WHERE %s
        """,
                SQL(" AND ").join(unsealed_where),
                SQL(" AND ").join([SQL("integrity_hash IS NULL"), *unsealed_where[1:]]),
            )
        )
        for kind, rec_id, patient_id in cr.fetchall():
            problems.append({'kind': kind, 'id': rec_id, 'patient_id': patient_id, 'seq': 0, 'problem': 'unsealed'})
        problems += self._verify_documents([SQL("state = 'signed'"), *unsealed_where[1:]])
        return problems

    @api.model
    def _verify_documents(self, where):
        """Signed documents without a seal, and those whose content, recomputed from their rows and lines
        now, is no longer what was sealed (a line or a field changed behind Odoo's back)."""
        problems = []
        cr = self.env.cr
        for name in self._document_models():
            Document = self.env[name].sudo().with_context(active_test=False)
            table = SQL.identifier(Document._table)
            cr.execute(
                SQL("SELECT id, patient_id, integrity_hash IS NULL FROM %s WHERE %s", table, SQL(" AND ").join(where))
            )
            rows = cr.fetchall()
            for rec_id, patient_id, unsealed in rows:
                if unsealed:
                    problems.append(
                        {
                            'kind': Document._table,
                            'id': rec_id,
                            'patient_id': patient_id,
                            'seq': 0,
                            'problem': 'unsealed',
                        }
                    )
            documents = Document.browse([row[0] for row in rows])
            for document in documents:
                if not document._dental_sealed_content_matches():
                    problems.append(
                        {
                            'kind': Document._table,
                            'id': document.id,
                            'patient_id': document.patient_id.id,
                            'seq': document.integrity_seq,
                            'problem': 'content_changed',
                        }
                    )
        return problems

    @api.model
    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(_('Only the clinic manager can verify the integrity of the clinical record.'))

    @api.model
    def _problems_message(self, problems, count_checked):
        labels = {
            'hash_mismatch': _('content changed after signing'),
            'gap': _('an earlier entry of the chain is missing'),
            'missing_previous': _('the previous entry of the chain is missing'),
            'unsealed': _('signed without a seal'),
            'truncated': _('the last entries of the chain are missing'),
            'content_changed': _('content changed after signing'),
        }
        kinds = {'note': _('Clinical note'), 'addendum': _('Addendum'), 'chain': _('Chain')}
        IrModel = self.env['ir.model'].sudo()
        for name in self._document_models():
            kinds[self.env[name]._table] = IrModel._get(name).name
        if not problems:
            return _('%s signed entries checked: no alteration found.', count_checked)
        lines = [
            _('%(count)s problem(s) found in %(checked)s signed entries:', count=len(problems), checked=count_checked)
        ]
        lines += [
            self.env._('%(kind)s #%(id)s: %(problem)s', kind=kinds[p['kind']], id=p['id'], problem=labels[p['problem']])
            for p in problems[:50]
        ]
        return '\n'.join(lines)

    @api.model
    def _count_entries(self, company_ids=None, patient_ids=None):
        where = [SQL("TRUE")]
        if company_ids is not None:
            where.append(SQL("company_id IN %s", tuple(company_ids) or (0,)))
        if patient_ids is not None:
            where.append(SQL("patient_id IN %s", tuple(patient_ids) or (0,)))
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) e WHERE %s", self._chain_query(), SQL(" AND ").join(where)))
        return self.env.cr.fetchone()[0]

    @api.model
    def _notify(self, message, problems):
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'title': _('Integrity of the clinical record'),
                'message': message,
                'type': 'danger' if problems else 'success',
                'sticky': bool(problems),
            },
        }

    @api.model
    def action_verify_clinic(self):
        """Verify the chains of the user's companies (manager only)."""
        self._check_manager()
        company_ids = self.env.companies.ids
        problems = self.sudo()._verify(company_ids=company_ids)
        return self._notify(self._problems_message(problems, self.sudo()._count_entries(company_ids)), problems)


class DentalClinicalNote(models.Model):
    _inherit = 'dental.clinical.note'
    # The seal is the system's: a client giving it to a draft would make the genuine entry verify as tampered.
    _dental_system_fields = ('signed_date', 'integrity_seq', 'integrity_hash')

    integrity_seq = fields.Integer(string='Chain Position', readonly=True, copy=False, index='btree_not_null')
    integrity_hash = fields.Char(readonly=True, copy=False)

    def init(self):
        super().init()
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS dental_clinical_note_chain_idx
                ON dental_clinical_note (company_id, integrity_seq) WHERE integrity_seq IS NOT NULL;
        """
            )
        )
        # Locked from its seal on (signing and sealing happen in the same transaction).
        self.env.cr.execute(
            lock_trigger(
                'dental_clinical_note',
                'signed clinical note',
                NOTE_LOCKED_COLUMNS,
                delete_when="OLD.state = 'signed'",
                change_when="OLD.state = 'signed' AND OLD.integrity_hash IS NOT NULL",
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        notes = super().create(vals_list)
        notes.filtered(lambda note: note.state == 'signed')._dental_on_signed()
        return notes

    def write(self, vals):
        signing = self.filtered(lambda note: note.state != 'signed') if vals.get('state') == 'signed' else self.browse()
        result = super().write(vals)
        signing._dental_on_signed()
        return result

    def _dental_on_signed(self):
        """Seal the notes just signed in their company's chain (hook for other signing side effects)."""
        if self:
            self.env['dental.integrity.chain']._seal_records(self)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_signed(self):
        if self.env['dental.patient']._dental_purge_allowed(self.patient_id):
            return
        return super()._unlink_except_signed()


class DentalClinicalNoteAddendum(models.Model):
    _inherit = 'dental.clinical.note.addendum'
    _dental_system_fields = ('author_id', 'date', 'integrity_seq', 'integrity_hash')

    integrity_seq = fields.Integer(string='Chain Position', readonly=True, copy=False, index='btree_not_null')
    integrity_hash = fields.Char(readonly=True, copy=False)

    def init(self):
        super().init()
        self.env.cr.execute(
            SQL(
                """
            CREATE INDEX IF NOT EXISTS dental_clinical_note_addendum_chain_idx
                ON dental_clinical_note_addendum (company_id, integrity_seq) WHERE integrity_seq IS NOT NULL;
        """
            )
        )
        # Here, not with the notes: its body reads the addenda's table, created after the notes'.
        self.env.cr.execute(purge_allowed_function(self.env))
        self.env.cr.execute(
            lock_trigger(
                'dental_clinical_note_addendum',
                'clinical note addendum',
                ADDENDUM_LOCKED_COLUMNS,
                delete_when='TRUE',
                change_when='OLD.integrity_hash IS NOT NULL',
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        addenda = super().create(vals_list)
        self.env['dental.integrity.chain']._seal_records(addenda)
        return addenda

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if self.env['dental.patient']._dental_purge_allowed(self.patient_id):
            return
        return super()._unlink_never()
