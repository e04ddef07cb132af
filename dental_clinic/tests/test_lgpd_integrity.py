from psycopg2.errors import RestrictViolation

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import DentalClinicalCase


@tagged('post_install', '-at_install')
class TestLgpdIntegrity(DentalClinicalCase):
    """Signed notes and addenda are chained by hash per company and locked in PostgreSQL."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Note = cls.env['dental.clinical.note']
        cls.Chain = cls.env['dental.integrity.chain']

    def _signed_note(self, body='<p>Restauração no 16.</p>', patient=None):
        note = self.Note.with_user(self.user_dentist).create({'patient_id': (patient or self.patient).id, 'body': body})
        note.action_sign()
        return note

    def _sql_behind_odoo(self, query):
        """What someone with database access could do: disable the lock, change a row, enable it back."""
        self.env.flush_all()
        for table in ('dental_clinical_note', 'dental_clinical_note_addendum'):
            self.env.cr.execute(SQL("ALTER TABLE %s DISABLE TRIGGER USER", SQL.identifier(table)))
        self.env.cr.execute(query)
        for table in ('dental_clinical_note', 'dental_clinical_note_addendum'):
            self.env.cr.execute(SQL("ALTER TABLE %s ENABLE TRIGGER USER", SQL.identifier(table)))
        self.env.invalidate_all()

    def test_signing_chains_notes_and_addenda(self):
        first = self._signed_note()
        addendum = (
            self.env['dental.clinical.note.addendum']
            .with_user(self.user_dentist)
            .create({'note_id': first.id, 'body': 'Complemento.'})
        )
        second = self._signed_note('<p>Profilaxia.</p>')
        draft = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        self.assertFalse(draft.integrity_hash, 'drafts are not sealed')
        seqs = [first.integrity_seq, addendum.integrity_seq, second.integrity_seq]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 3)), 'one chain for notes and addenda, no gap')
        self.assertEqual(len({first.integrity_hash, addendum.integrity_hash, second.integrity_hash}), 3)
        head = self.Chain.sudo().search([('company_id', '=', self.company.id)])
        self.assertEqual((head.last_seq, head.last_hash), (second.integrity_seq, second.integrity_hash))
        self.assertEqual(self.Chain._verify(company_ids=[self.company.id]), [])
        self.assertEqual(self.Chain._verify(patient_ids=self.patient.ids), [])
        # Signing by writing the state seals too.
        note = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>Texto</p>'})
        note.write({'state': 'signed'})
        self.assertEqual(note.integrity_seq, second.integrity_seq + 1)

    def test_chains_are_per_company(self):
        self._signed_note()
        other_patient = (
            self.env['dental.patient']
            .with_company(self.company_other)
            .create({'name': 'Paciente Filial', 'company_id': self.company_other.id, 'is_foreigner': True})
        )
        dentist = self.user_dentist
        dentist.write({'company_ids': [(4, self.company_other.id)]})
        note = (
            self.Note.with_user(dentist)
            .with_company(self.company_other)
            .create({'patient_id': other_patient.id, 'body': '<p>Filial</p>'})
        )
        note.action_sign()
        self.assertEqual(note.integrity_seq, 1, 'each company has its own chain')
        self.assertEqual(self.Chain._verify(), [])

    def test_change_in_sql_is_reported(self):
        note = self._signed_note()
        other = self._signed_note('<p>Outra.</p>')
        self._sql_behind_odoo(SQL("UPDATE dental_clinical_note SET body = '<p>Reescrita.</p>' WHERE id = %s", note.id))
        problems = self.Chain._verify(company_ids=[self.company.id])
        self.assertEqual([(p['kind'], p['id'], p['problem']) for p in problems], [('note', note.id, 'hash_mismatch')])
        problems = self.Chain._verify(patient_ids=self.patient.ids)
        self.assertEqual([(p['id'], p['problem']) for p in problems], [(note.id, 'hash_mismatch')])
        self.assertNotIn(other.id, [p['id'] for p in problems])
        action = self.patient.with_user(self.user_manager).action_verify_integrity()
        self.assertEqual(action['params']['type'], 'danger')
        self.assertIn(f'#{note.id}', action['params']['message'])
        action = self.Chain.with_user(self.user_manager).action_verify_clinic()
        self.assertEqual(action['params']['type'], 'danger')

    def test_deleted_entry_is_reported(self):
        note = self._signed_note()
        addendum = (
            self.env['dental.clinical.note.addendum']
            .with_user(self.user_dentist)
            .create({'note_id': note.id, 'body': 'Complemento.'})
        )
        last = self._signed_note('<p>Última.</p>')
        self._sql_behind_odoo(SQL("DELETE FROM dental_clinical_note_addendum WHERE id = %s", addendum.id))
        problems = self.Chain._verify(company_ids=[self.company.id])
        self.assertEqual([(p['id'], p['problem']) for p in problems], [(last.id, 'gap')])
        self._sql_behind_odoo(SQL("DELETE FROM dental_clinical_note WHERE id = %s", last.id))
        problems = self.Chain._verify(company_ids=[self.company.id])
        self.assertIn('truncated', [p['problem'] for p in problems])

    def test_unchanged_record_verifies(self):
        self._signed_note()
        action = self.patient.with_user(self.user_manager).action_verify_integrity()
        self.assertEqual(action['params']['type'], 'success')

    def test_trigger_refuses_update_and_delete(self):
        note = self._signed_note()
        addendum = (
            self.env['dental.clinical.note.addendum']
            .with_user(self.user_dentist)
            .create({'note_id': note.id, 'body': 'Complemento.'})
        )
        self.env.flush_all()
        statements = [
            SQL("UPDATE dental_clinical_note SET body = 'x' WHERE id = %s", note.id),
            SQL("UPDATE dental_clinical_note SET state = 'draft' WHERE id = %s", note.id),
            SQL("UPDATE dental_clinical_note SET integrity_hash = 'x' WHERE id = %s", note.id),
            SQL("DELETE FROM dental_clinical_note WHERE id = %s", note.id),
            SQL("UPDATE dental_clinical_note_addendum SET body = 'x' WHERE id = %s", addendum.id),
            SQL("DELETE FROM dental_clinical_note_addendum WHERE id = %s", addendum.id),
        ]
        for statement in statements:
            with (
                self.subTest(statement=statement.code),
                mute_logger('odoo.sql_db'),
                self.assertRaises(RestrictViolation),
                self.env.cr.savepoint(),
            ):
                self.env.cr.execute(statement)
        # What Odoo itself writes on any row (write_date, write_uid) does not change the record.
        self.env.cr.execute(SQL("UPDATE dental_clinical_note SET write_date = now() WHERE id = %s", note.id))
        # Drafts are free.
        draft = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        draft.flush_recordset()
        self.env.cr.execute(SQL("UPDATE dental_clinical_note SET body = 'y' WHERE id = %s", draft.id))
        self.env.cr.execute(SQL("DELETE FROM dental_clinical_note WHERE id = %s", draft.id))

    def test_verification_is_for_managers(self):
        with self.assertRaises(AccessError):
            self.patient.with_user(self.user_dentist).action_verify_integrity()
        with self.assertRaises(AccessError):
            self.Chain.with_user(self.user_dentist).action_verify_clinic()
