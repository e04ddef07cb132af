"""Load test: 20 receptionists over JSON-RPC against Odoo's prefork server (2 workers, 1 cron process).

Starts `python3 -m odoo --workers=2 --max-cron-threads=1` on its own database (LOAD_DB,
created with the demo clinic when absent: dentists, chairs, working hours, patients),
HTTP on 127.0.0.1:LOAD_PORT only. Twenty receptionist accounts each loop for LOAD_SECONDS
(60): search patients, book an appointment in two deliberately crowded weeks (refusals
happen), move one of theirs, cancel one through the cancel wizard. The reminder cron
is triggered at the start and halfway, with appointments due for a reminder.

Report: requests/s, p50/p95 latency per operation, refusals (a ValidationError/UserError
for a double booking is the right answer) and errors (HTTP 500, any other exception,
time-outs). Then in SQL: no two active appointments overlap on a chair or a dentist,
every appointment's calendar event is in sync, each reminder was sent once.
Exit code 1 on an error or a failed check. Run alone: `python3 bench/bench_load.py`
(ODOO_CONF, LOAD_DB, LOAD_PORT, LOAD_SECONDS, LOAD_USERS in the environment).
"""

import json
import os
import random
import socketserver
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import contextlib  # noqa: E402

from common import CONF  # noqa: E402

import odoo  # noqa: E402

_registry = None


@contextlib.contextmanager
def bench_env(dbname):
    """A superuser environment on the load database (Odoo's config parsed once per process)."""
    global _registry
    if _registry is None:
        odoo.tools.config.parse_config(['-c', CONF, '-d', dbname, '--log-level=warn'])
        _registry = odoo.modules.registry.Registry(dbname)
    with _registry.cursor() as cr:
        yield odoo.api.Environment(cr, odoo.SUPERUSER_ID, {'tracking_disable': True})


DB = os.environ.get('LOAD_DB', 'dental_clinic_load')
PORT = int(os.environ.get('LOAD_PORT', '8079'))
SECONDS = int(os.environ.get('LOAD_SECONDS', '60'))
USERS = int(os.environ.get('LOAD_USERS', '20'))
GEVENT_PORT = int(os.environ.get('LOAD_GEVENT_PORT', str(PORT + 1)))
URL = f'http://127.0.0.1:{PORT}'
REFUSALS = ('odoo.exceptions.ValidationError', 'odoo.exceptions.UserError')


SERVER_PYTHON = os.environ.get('LOAD_PYTHON', sys.executable)
SMTP_MESSAGES = []


class SMTPSink(socketserver.StreamRequestHandler):
    """A minimal SMTP server on 127.0.0.1 that keeps every message: reminders really go out, and are counted."""

    def handle(self):
        def reply(text):
            self.wfile.write((text + '\r\n').encode())

        reply('220 bench sink')
        data, lines = False, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode('utf-8', 'replace').rstrip('\r\n')
            if data:
                if text == '.':
                    data = False
                    SMTP_MESSAGES.append('\n'.join(lines))
                    lines = []
                    reply('250 queued')
                else:
                    lines.append(text)
                continue
            verb = text[:4].upper()
            if verb == 'DATA':
                data = True
                reply('354 end with .')
            elif verb == 'QUIT':
                reply('221 bye')
                return
            else:
                reply('250 ok')


def start_smtp_sink():
    sink = socketserver.ThreadingTCPServer(('127.0.0.1', 0), SMTPSink)
    sink.daemon_threads = True
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    return sink


class Refused(Exception):
    pass


class Failed(Exception):
    pass


def post(opener, path, params, timeout=60):
    body = json.dumps({'jsonrpc': '2.0', 'method': 'call', 'params': params, 'id': 1}).encode()
    request = urllib.request.Request(URL + path, body, {'Content-Type': 'application/json'})
    try:
        with opener.open(request, timeout=timeout) as response:
            payload = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise Failed(f'HTTP {exc.code}') from exc
    except Exception as exc:  # noqa: BLE001 - a time-out or a reset is an error of the load test
        raise Failed(type(exc).__name__) from exc
    if 'error' in payload:
        name = payload['error'].get('data', {}).get('name', '')
        if name in REFUSALS:
            raise Refused(name)
        raise Failed(f"{name}: {payload['error'].get('data', {}).get('message', '')[:120]}")
    return payload['result']


def call(opener, model, method, args, kwargs=None):
    return post(
        opener,
        f'/web/dataset/call_kw/{model}/{method}',
        {'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}},
    )


def prepare(smtp_port):
    """Demo database once, twenty receptionists, no quiet hours, appointments due for a reminder."""
    with bench_env(DB) as env:
        env['ir.mail_server'].search([]).write({'active': False})
        env['ir.mail_server'].create(
            {
                'name': 'bench sink',
                'smtp_host': '127.0.0.1',
                'smtp_port': smtp_port,
                'smtp_encryption': 'none',
                'sequence': 1,
            }
        )
        receptionist = env.ref('dental_clinic.user_receptionist')
        users = env['res.users'].with_context(active_test=False).search([('login', '=like', 'load.recep%')])
        for index in range(len(users), USERS):
            receptionist.copy({'login': f'load.recep{index:02d}', 'name': f'Recepção {index:02d}', 'password': 'load'})
        env.company.write({'dental_quiet_hour_start': 0, 'dental_quiet_hour_end': 0})
        # Earlier runs' mail still queued would leave through this run's sink: set it aside.
        env.cr.execute("DELETE FROM mail_mail WHERE state = 'outgoing'")
        env.cr.execute(
            "UPDATE dental_reminder SET state = 'failed', failure_message = 'bench_load: earlier run' "
            "WHERE state = 'queued'"
        )
        # No SMS over the internet during a bench: the SMS queue cron stays off.
        sms_cron = env.ref('sms.ir_cron_sms_scheduler_action', raise_if_not_found=False)
        if sms_cron:
            sms_cron.active = False
        dentists = env['dental.appointment'].search([]).dentist_id
        chairs = env['dental.chair'].search([])
        patients = env['dental.patient'].search([], limit=200)
        # Appointments 30-32 h ahead, every 20 min on each chair: due for the demo's 48 h reminder as the load
        # starts (the window is first cleared of earlier runs' appointments, cancelled by the clinic).
        start = (datetime.utcnow() + timedelta(hours=30)).replace(second=0, microsecond=0)
        env['dental.appointment'].search(
            [
                ('start', '>=', start - timedelta(hours=1)),
                ('start', '<', start + timedelta(hours=3)),
                ('state', 'in', ('scheduled', 'confirmed')),
            ]
        ).cancel('clinic', 'bench_load')
        for offset, (dentist, chair) in enumerate(zip(dentists, chairs)):
            for slot_index in range(6):
                env['dental.appointment'].with_context(dental_allow_outside_hours=True).create(
                    {
                        'patient_id': patients[(offset * 6 + slot_index) % len(patients)].id,
                        'dentist_id': dentist.id,
                        'chair_id': chair.id,
                        'duration': 0.25,
                        'start': start + timedelta(minutes=20 * slot_index),
                    }
                )
        env.cr.commit()
        return dentists.ids, chairs.ids, patients.ids


def start_server():
    # odoo-bin, not `python -m odoo`: the prefork server re-executes sys.argv[0] for its gevent process.
    odoo_bin = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(odoo.__file__))), 'odoo-bin')
    if not os.path.exists(odoo_bin):
        odoo_bin = os.path.join(os.path.dirname(sys.executable), 'odoo')
    server = subprocess.Popen(
        [
            SERVER_PYTHON,
            odoo_bin,
            '-c',
            CONF,
            '-d',
            DB,
            f'--db-filter=^{DB}$',
            '--workers=2',
            '--max-cron-threads=1',
            '--limit-time-real=120',
            '--limit-memory-soft=671088640',
            '--limit-memory-hard=838860800',
            '--http-interface=127.0.0.1',
            f'--http-port={PORT}',
            f'--gevent-port={GEVENT_PORT}',
            '--log-level=warn',
            '--logfile=' + os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bench_load.log'),
        ]
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(URL + '/web/login', timeout=5).close()
            return server
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(1)
    server.terminate()
    raise SystemExit('bench_load: the server did not answer within 120 s')


def login(login, password):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    post(opener, '/web/session/authenticate', {'db': DB, 'login': login, 'password': password}, timeout=180)
    return opener


def slot(rng):
    """A start in two crowded weeks: weekdays from next Monday, 09:00-17:00 São Paulo (UTC-3)."""
    today = datetime.utcnow().date()
    monday = today + timedelta(days=7 - today.weekday())
    day = monday + timedelta(days=7 * rng.randrange(2) + rng.randrange(5))
    return (datetime(day.year, day.month, day.day, 12) + timedelta(minutes=30 * rng.randrange(17))).strftime(
        '%Y-%m-%d %H:%M:%S'
    )


def receptionist(index, opener, dentists, chairs, patients, stop_at, samples, outcomes, lock):
    rng = random.Random(index)
    mine = []

    def timed(operation, func):
        start = time.perf_counter()
        try:
            result, outcome = func(), 'ok'
        except Refused:
            result, outcome = None, 'refused'
        except Failed as exc:
            result, outcome = None, f'error: {exc}'
        with lock:
            samples.setdefault(operation, []).append((time.perf_counter() - start) * 1000)
            outcomes.setdefault((operation, outcome), 0)
            outcomes[(operation, outcome)] += 1
        return result

    while time.monotonic() < stop_at:
        letters = rng.choice(['ana', 'sil', 'car', 'ma', 'so', 'li', 'pe', 'ro'])
        found = timed(
            'search patients',
            lambda letters=letters: call(
                opener,
                'dental.patient',
                'web_search_read',
                [],
                {
                    'domain': ['|', ('name', 'ilike', letters), ('phone', 'ilike', letters)],
                    'specification': {'name': {}, 'file_number': {}, 'phone': {}},
                    'limit': 20,
                },
            ),
        )
        pool = [r['id'] for r in (found or {}).get('records', [])] or patients
        booked = timed(
            'book',
            lambda pool=pool: call(
                opener,
                'dental.appointment',
                'create',
                [
                    {
                        'patient_id': rng.choice(pool),
                        'dentist_id': rng.choice(dentists),
                        'chair_id': rng.choice(chairs),
                        'start': slot(rng),
                        'duration': 0.5,
                    }
                ],
            ),
        )
        if booked:
            mine.append(booked)
        if mine and rng.random() < 0.5:
            appointment = rng.choice(mine)
            timed(
                'move',
                lambda appointment=appointment: call(
                    opener, 'dental.appointment', 'write', [[appointment], {'start': slot(rng)}]
                ),
            )
        if len(mine) > 3 and rng.random() < 0.3:
            appointment = mine.pop(rng.randrange(len(mine)))

            def cancel(appointment=appointment):
                wizard = call(
                    opener,
                    'dental.appointment.cancel',
                    'create',
                    [
                        {
                            'appointment_ids': [(6, 0, [appointment])],
                            'cancel_origin': 'patient',
                            'cancel_reason': 'Paciente remarcou por telefone',
                        }
                    ],
                )
                return call(opener, 'dental.appointment.cancel', 'action_cancel', [[wizard]])

            timed('cancel', cancel)


def trigger_cron():
    """Wake the cron process: the reminder cron (claims and queues) and the mail queue (sends)."""
    with bench_env(DB) as env:
        env.ref('dental_clinic.ir_cron_dental_reminders').sudo()._trigger()
        env.ref('mail.ir_cron_mail_scheduler_action').sudo()._trigger()
        env.cr.commit()


def wait_for_mail_queue(timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with bench_env(DB) as env:
            env.cr.execute("""SELECT count(*) FROM dental_reminder r JOIN mail_mail m ON m.id = r.mail_mail_id
                              WHERE m.state = 'outgoing'""")
            if not env.cr.fetchone()[0]:
                return
        trigger_cron()
        time.sleep(3)


def checks():
    with bench_env(DB) as env:
        cr = env.cr
        cr.execute("""
            SELECT count(*) FROM dental_appointment a JOIN dental_appointment b ON a.id < b.id
             AND (a.chair_id = b.chair_id OR a.dentist_id = b.dentist_id)
             AND a.start < b.stop AND b.start < a.stop
             WHERE a.state NOT IN ('cancelled', 'no_show') AND b.state NOT IN ('cancelled', 'no_show')""")
        overlaps = cr.fetchone()[0]
        cr.execute("""
            SELECT count(*) FROM dental_appointment a LEFT JOIN calendar_event e ON e.id = a.calendar_event_id
             WHERE e.id IS NULL OR e.res_model != 'dental.appointment' OR e.res_id != a.id
                OR e.start != a.start OR e.stop != a.stop
                OR e.active != (a.state NOT IN ('cancelled', 'no_show'))""")
        unsynced = cr.fetchone()[0]
        cr.execute("""
            SELECT count(*) FROM (SELECT 1 FROM dental_reminder WHERE state = 'sent'
             GROUP BY appointment_id, rule_id, channel, appointment_start HAVING count(*) > 1) t""")
        duplicates = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM dental_reminder WHERE state = 'sent' AND processed_at >= %s", [START_SQL])
        sent = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM dental_reminder WHERE state = 'queued'")
        sent = (sent, cr.fetchone()[0])
        cr.execute("""
            SELECT count(*) FROM (SELECT 1 FROM mail_mail m JOIN dental_reminder r ON r.mail_mail_id = m.id
             GROUP BY r.appointment_id, r.rule_id, r.appointment_start HAVING count(*) > 1) t""")
        duplicate_mails = cr.fetchone()[0]
        cr.execute('SELECT count(*) FROM dental_appointment')
        appointments = cr.fetchone()[0]
    return overlaps, unsynced, duplicates + duplicate_mails, sent, appointments


START_SQL = None


def main():
    global START_SQL
    db_state = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'tools', 'db_state.py')
    state = subprocess.run([sys.executable, db_state, DB], capture_output=True, text=True, check=True).stdout
    if 'installed' not in state:
        print(f'bench_load: creating {DB} with the demo clinic', flush=True)
        subprocess.run(
            [
                sys.executable,
                '-m',
                'odoo',
                '-c',
                CONF,
                '-d',
                DB,
                '-i',
                'dental_clinic',
                '--stop-after-init',
                '--log-level=warn',
                '--http-port=0',
            ],
            check=True,
        )
    sink = start_smtp_sink()
    dentists, chairs, patients = prepare(sink.server_address[1])
    server = start_server()
    samples, outcomes, lock = {}, {}, threading.Lock()
    try:
        # Sessions first (the workers load the registry on their first requests), then the clock.
        openers = [login(f'load.recep{i:02d}', 'load') for i in range(USERS)]
        START_SQL = datetime.utcnow()
        trigger_cron()
        stop_at = time.monotonic() + SECONDS
        threads = [
            threading.Thread(
                target=receptionist, args=(i, openers[i], dentists, chairs, patients, stop_at, samples, outcomes, lock)
            )
            for i in range(USERS)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS / 2)
        trigger_cron()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        elapsed = time.monotonic() - started
        wait_for_mail_queue()  # the reminders queued during the load leave through the SMTP sink
        trigger_cron()
        time.sleep(5)  # the reminder cron syncs the delivery state of what left
    finally:
        server.terminate()
        server.wait(timeout=60)
    total = sum(len(v) for v in samples.values())
    errors = sum(n for (op, outcome), n in outcomes.items() if outcome.startswith('error'))
    print(
        f'\n{USERS} receptionists, 2 workers + 1 cron process, {elapsed:.0f} s: {total} requests, '
        f'{total / elapsed:.1f} req/s, {errors} errors\n'
    )
    print('| operation | requests | ok | refused | errors | p50 ms | p95 ms |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for operation, values in samples.items():
        ok = outcomes.get((operation, 'ok'), 0)
        refused = outcomes.get((operation, 'refused'), 0)
        errs = sum(n for (op, outcome), n in outcomes.items() if op == operation and outcome.startswith('error'))
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        print(
            f'| {operation} | {len(values)} | {ok} | {refused} | {errs} | {statistics.median(values):.0f} | {p95:.0f} |'
        )
    for (operation, outcome), n in sorted(outcomes.items()):
        if outcome.startswith('error'):
            print(f'  {operation}: {n} x {outcome}')
    overlaps, unsynced, duplicates, (sent, left), appointments = checks()
    message_ids = [
        line.split(':', 1)[1].strip()
        for message in SMTP_MESSAGES
        for line in message.splitlines()
        if line.lower().startswith('message-id:')
    ]
    twice = len(message_ids) - len(set(message_ids))
    print(
        f'\nSQL after the load ({appointments} appointments): {overlaps} overlapping active pairs, '
        f'{unsynced} calendar events out of sync; reminders: {sent} sent by the cron during the load, '
        f'{len(SMTP_MESSAGES)} e-mails received by the SMTP sink, {duplicates + twice} sent twice, '
        f'{left} still queued'
    )
    sys.exit(1 if errors or overlaps or unsynced or duplicates or twice or sent != len(SMTP_MESSAGES) else 0)


if __name__ == '__main__':
    main()
