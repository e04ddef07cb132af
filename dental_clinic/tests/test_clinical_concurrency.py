# Concurrency needs committed rows seen by two cursors: these tests commit on purpose (and clean up).
# pylint: disable=invalid-commit
import threading
from unittest.mock import patch

from odoo.addons.dental_clinic.models.dental_clinical_integrity import CHAIN_QUERY
from odoo.exceptions import UserError
from odoo.service.model import retrying
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .concurrency import RACE_TIMEOUT, ConcurrencyCase, backend_pid

ROUNDS = 2


@tagged('post_install', '-at_install')
class TestSigningConcurrency(ConcurrencyCase):
    """Two dentists of one clinic sign a note at the same moment: the chain neither forks nor skips.

    Each dentist signs in a connection of their own, through Odoo's retry of
    concurrency errors (``retrying``, what every RPC and HTTP request runs
    in). Both sign inside the same instant: a barrier in the sealing lets
    neither go on before both are in it; the first to hold the chain's head
    commits only once the other waits for it. The clinic is a company of its
    own, so that its chain starts with the test: the first round races on a
    chain not created yet, the second on an existing head.
    """

    CONTEXT = {'tracking_disable': True, 'lang': 'pt_BR'}

    def _setup_data(self):
        with self.committed_env() as env:
            company = env['res.company'].create(
                {'name': 'Clínica Corrida Assinatura', 'country_id': env.ref('base.br').id}
            )
            dentists = (
                env['res.users']
                .with_context(no_reset_password=True)
                .create(
                    [
                        {
                            'name': f'Dra. Corrida {number}',
                            'login': f'race_signing_dentist_{number}',
                            'company_id': company.id,
                            'company_ids': [(6, 0, company.ids)],
                            'groups_id': [(6, 0, [env.ref('dental_clinic.group_dental_dentist').id])],
                            'lang': 'pt_BR',
                        }
                        for number in (1, 2)
                    ]
                )
            )
            patient = (
                env['dental.patient']
                .with_company(company)
                .create({'name': 'Paciente Corrida Assinatura', 'company_id': company.id, 'is_foreigner': True})
            )
            notes = (
                env['dental.clinical.note']
                .with_company(company)
                .create(
                    [
                        {
                            'patient_id': patient.id,
                            'author_id': dentist.id,
                            'body': f'<p>Evolução {round_no} de {dentist.name}.</p>',
                        }
                        for round_no in range(ROUNDS)
                        for dentist in dentists
                    ]
                )
            )
            self.assertEqual(notes.company_id, company)
            return {
                'company': company.id,
                'dentists': dentists.ids,
                'patient': patient.id,
                'notes': [notes.ids[index : index + 2] for index in range(0, len(notes), 2)],
            }

    def _cleanup(self, ids):
        with self.committed_env() as env:
            note_ids = tuple(note_id for pair in ids['notes'] for note_id in pair)
            # Signed notes are locked by a trigger, for everybody: lifted for this transaction only.
            env.cr.execute(SQL('ALTER TABLE dental_clinical_note DISABLE TRIGGER dental_clinical_note_lock'))
            env.cr.execute(SQL('DELETE FROM dental_clinical_note WHERE id IN %s', note_ids))
            env.cr.execute(SQL('ALTER TABLE dental_clinical_note ENABLE TRIGGER dental_clinical_note_lock'))
            env.invalidate_all()
            self.delete_with_partners(env['dental.patient'].browse(ids['patient']))
            self.delete_with_partners(env['res.users'].browse(ids['dentists']))
            company = env['res.company'].browse(ids['company'])
            calendar, partner = company.resource_calendar_id, company.partner_id
            # Its patients' file-number sequence would outlive it without a company, for every other one.
            env['ir.sequence'].search([('company_id', '=', company.id)]).unlink()
            company.unlink()  # its chain's head goes with it
            calendar.unlink()
            partner.unlink()

    def _race(self, ids, note_pair):
        """Both dentists sign their note of ``note_pair`` at once; return {dentist: 'signed' or the exception}."""
        names = ('first', 'second')
        cursors = self.open_cursors(*names)
        envs = {
            name: self.env_for(cursors[name], uid, {'allowed_company_ids': [ids['company']]})
            for name, uid in zip(names, ids['dentists'], strict=True)
        }
        Chain = type(envs['first']['dental.integrity.chain'])
        original_seal = Chain._seal
        barrier = threading.Barrier(2, timeout=RACE_TIMEOUT)
        entered = set()
        attempts = []
        holder = []
        guard = threading.Lock()

        def seal(chain, entries):
            me = threading.current_thread().name
            if me not in entered:  # a retry does not meet the other dentist again
                entered.add(me)
                barrier.wait()  # both notes are written as signed, neither has its place in the chain yet
            attempts.append(me)
            result = original_seal(chain, entries)
            with guard:
                first = not holder
                holder.append(me)
            if first:
                # The head of the chain is held: commit only once the other signing waits for it.
                self.wait_until_blocking(backend_pid(chain.env.cr))
            return result

        def sign(name, note_id):
            env = envs[name]
            note = env['dental.clinical.note'].browse(note_id)
            try:
                retrying(note.action_sign, env)
            except BaseException:
                barrier.abort()
                raise
            return 'signed'

        with (
            patch.object(Chain, '_seal', seal),
            mute_logger('odoo.sql_db', 'odoo.service.model'),
        ):
            outcome = self.run_concurrently(
                {
                    name: (lambda name=name, note_id=note_id: sign(name, note_id))
                    for name, note_id in zip(names, note_pair, strict=True)
                }
            )
        self.assertEqual(len(entered), 2, 'both dentists were inside the signing at the same time')
        if all(result == 'signed' for result in outcome.values()):
            # The one who waited for the head could not seal on the chain it had read: retried, it sealed after.
            self.assertEqual(len(attempts), 3, attempts)
            self.assertEqual(holder[1], attempts[2])
        return outcome

    def test_two_dentists_sign_at_once(self):
        ids = self._setup_data()
        self.addCleanup(self._cleanup, ids)
        signed = []
        for note_pair in ids['notes']:
            outcome = self._race(ids, note_pair)
            for name, result in outcome.items():
                with self.subTest(dentist=name):
                    if result == 'signed':
                        continue
                    # The only acceptable failure: a clear message asking to try again, in the dentist's language.
                    self.assertIsInstance(result, UserError, outcome)
                    self.assertIn('tente novamente', str(result.args[0]))
            signed += [
                note_id
                for name, note_id in zip(('first', 'second'), note_pair, strict=True)
                if outcome[name] == 'signed'
            ]
            self.assertTrue(signed, outcome)
        with db_connect(self.dbname).cursor() as cr:
            env = self.env_for(cr)
            notes = env['dental.clinical.note'].search([('patient_id', '=', ids['patient'])])
            self.assertEqual(sorted(notes.filtered(lambda note: note.state == 'signed').ids), sorted(signed))
            self.assertTrue(all(notes.filtered(lambda note: note.state == 'signed').mapped('integrity_hash')))
            cr.execute(
                SQL(
                    'SELECT integrity_seq, count(*) FROM (%s) e WHERE company_id = %s GROUP BY 1 ORDER BY 1',
                    SQL(CHAIN_QUERY),
                    ids['company'],
                )
            )
            positions = cr.fetchall()
            # No fork (two entries at one position) and no gap: positions 1..n, once each.
            self.assertEqual(positions, [(seq, 1) for seq in range(1, len(signed) + 1)])
            head = env['dental.integrity.chain'].search([('company_id', '=', ids['company'])])
            self.assertEqual(head.last_seq, len(signed))
            self.assertEqual(
                head.last_hash, notes.filtered(lambda note: note.integrity_seq == len(signed)).integrity_hash
            )
            self.assertEqual(env['dental.integrity.chain']._verify(company_ids=[ids['company']]), [])
            cr.rollback()
