from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import DentalClinicalCase


@tagged('post_install', '-at_install')
class TestClinicalNotes(DentalClinicalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Note = cls.env['dental.clinical.note']
        cls.admin = cls.env.ref('base.user_admin')

    def _signed_note(self):
        note = self.Note.with_user(self.user_dentist).create(
            {'patient_id': self.patient.id, 'body': '<p>Restauração no 16 sem intercorrências.</p>'}
        )
        note.action_sign()
        return note

    def test_author_edits_and_signs(self):
        note = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>Rascunho</p>'})
        self.assertEqual(note.author_id, self.user_dentist)
        note.body = '<p>Texto final</p>'
        note.action_sign()
        self.assertEqual(note.state, 'signed')
        self.assertTrue(note.signed_date)

    def test_empty_note_cannot_be_signed(self):
        note = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p><br></p>'})
        with self.assertRaises(ValidationError):
            note.action_sign()

    def test_only_author_signs(self):
        note = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        with self.assertRaises(UserError):
            note.with_user(self.user_manager).action_sign()

    def test_other_dentist_cannot_edit_draft(self):
        note = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        colleague = self.user_dentist.copy({'login': 'dental_dentist_2', 'name': 'Dr. Colega'})
        with self.assertRaises(AccessError):
            note.with_user(colleague).write({'body': '<p>changed</p>'})
        note.with_user(self.user_manager).write({'body': '<p>fixed by the manager</p>'})

    def test_signed_note_locked_for_everyone(self):
        note = self._signed_note()
        body = note.body
        for user in (self.user_dentist, self.user_manager, self.admin):
            with self.subTest(user=user.login):
                with self.assertRaisesRegex(UserError, 'cannot be changed or deleted'):
                    note.with_user(user).write({'body': '<p>rewritten</p>'})
                with self.assertRaisesRegex(UserError, 'cannot be changed or deleted'):
                    note.with_user(user).write({'state': 'draft'})
                with self.assertRaisesRegex(UserError, 'cannot be changed or deleted'):
                    note.with_user(user).unlink()
        # Not even the superuser: the legal record is never rewritten.
        with self.assertRaises(UserError):
            note.sudo().write({'body': '<p>rewritten</p>'})
        with self.assertRaises(UserError):
            note.sudo().unlink()
        self.assertTrue(note.exists())
        self.assertEqual(note.body, body)

    def test_addendum(self):
        note = self._signed_note()
        Addendum = self.env['dental.clinical.note.addendum']
        with self.assertRaises(AccessError):
            Addendum.with_user(self.user_manager).create(
                {'note_id': note.id, 'body': 'Correção: dente 15, não 16.', 'author_id': self.user_dentist.id}
            )
        addendum = Addendum.with_user(self.user_manager).create(
            {'note_id': note.id, 'body': 'Correção: dente 15, não 16.'}
        )
        self.assertEqual(addendum.author_id, self.user_manager, 'the author is whoever writes it')
        self.assertTrue(addendum.date)
        self.assertEqual(addendum.patient_id, self.patient)
        self.assertEqual(note.addendum_ids, addendum)
        self.assertEqual(note.addendum_count, 1)
        with self.assertRaises(UserError):
            addendum.with_user(self.user_manager).write({'body': 'changed'})
        with self.assertRaises(UserError):
            addendum.sudo().unlink()
        action = note.action_add_addendum()
        self.assertEqual(action['context'], {'default_note_id': note.id})

    def test_addendum_only_on_signed_notes(self):
        draft = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        with self.assertRaises(ValidationError):
            self.env['dental.clinical.note.addendum'].with_user(self.user_dentist).create(
                {'note_id': draft.id, 'body': 'complement'}
            )

    def test_draft_note_can_be_deleted_by_author(self):
        note = self.Note.with_user(self.user_dentist).create({'patient_id': self.patient.id, 'body': '<p>x</p>'})
        note.with_user(self.user_dentist).unlink()
        self.assertFalse(note.exists())
