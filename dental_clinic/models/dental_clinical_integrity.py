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

from .dental_roles import MANAGER_GROUP

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


# One query gives both kinds of entries in the form the hash is computed on, at signing and at
# verification alike, so that both read exactly the same values.
CHAIN_QUERY = """
    SELECT kind, id, company_id, integrity_seq, patient_id, author_id, note_id, state, date, signed_date, body,
           integrity_hash
      FROM (
        SELECT 'note' AS kind, id, company_id, integrity_seq, patient_id, author_id, NULL::int AS note_id, state,
               date, signed_date, body::text AS body, integrity_hash
          FROM dental_clinical_note
         WHERE integrity_seq IS NOT NULL
        UNION ALL
        SELECT 'addendum', id, company_id, integrity_seq, patient_id, author_id, note_id, NULL, date, NULL, body,
               integrity_hash
          FROM dental_clinical_note_addendum
         WHERE integrity_seq IS NOT NULL
      ) entry
"""


def _stamp(value):
    return value.isoformat(sep=' ') if value else ''


def compute_entry_hash(row, previous_hash):
    """SHA-256 of an entry (a CHAIN_QUERY row) chained to the previous entry's hash."""
    kind, rec_id, company_id, seq, patient_id, author_id, note_id, state, date, signed_date, body = row[:11]
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
            kind = 'note' if table == 'dental_clinical_note' else 'addendum'
            cr.execute(SQL("SELECT * FROM (%s) e WHERE kind = %s AND id = %s", SQL(CHAIN_QUERY), kind, rec_id))
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

    @api.model
    def _seal_unsealed(self):
        """Seal signed notes and addenda that have no seal yet, oldest first."""
        cr = self.env.cr
        cr.execute(
            SQL("""
            SELECT tbl, id FROM (
                SELECT 'dental_clinical_note' AS tbl, id, signed_date AS stamp FROM dental_clinical_note
                 WHERE state = 'signed' AND integrity_seq IS NULL
                UNION ALL
                SELECT 'dental_clinical_note_addendum', id, date FROM dental_clinical_note_addendum
                 WHERE integrity_seq IS NULL
            ) entry ORDER BY stamp, tbl DESC, id
        """)
        )
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
        query = SQL("%s WHERE %s ORDER BY company_id, integrity_seq", SQL(CHAIN_QUERY), SQL(" AND ").join(where))

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
                        SQL(CHAIN_QUERY),
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
            cr.execute(SQL("SELECT company_id, max(integrity_seq) FROM (%s) e GROUP BY company_id", SQL(CHAIN_QUERY)))
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
        }
        kinds = {'note': _('Clinical note'), 'addendum': _('Addendum'), 'chain': _('Chain')}
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
        self.env.cr.execute(SQL("SELECT count(*) FROM (%s) e WHERE %s", SQL(CHAIN_QUERY), SQL(" AND ").join(where)))
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
            -- Here, not with the notes: its body reads the addenda's table, created after the notes'.
            CREATE OR REPLACE FUNCTION dental_clinic_purge_allowed(patient integer) RETURNS boolean AS $$
                -- Only the retention purge (which sets this transaction-local setting after its checks)
                -- may delete a signed entry, and only of a patient whose last clinical entry is more
                -- than 20 years old (computed here from the records, not from a stored field).
                SELECT position(',' || patient || ','
                                IN coalesce(current_setting('dental_clinic.purge_patient_ids', true), '')) > 0
                   AND coalesce(greatest(
                           (SELECT max(date_done) FROM dental_treatment
                             WHERE patient_id = patient AND state = 'done'),
                           (SELECT max(signed_date)::date FROM dental_clinical_note
                             WHERE patient_id = patient AND state = 'signed'),
                           (SELECT max(date)::date FROM dental_clinical_note_addendum WHERE patient_id = patient)
                       ) + interval '20 years' < CURRENT_DATE, true)
            $$ LANGUAGE sql STABLE;
        """
            )
        )
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
