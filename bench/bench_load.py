"""Load test: 20 receptionists over JSON-RPC against Odoo's prefork server (2 workers, 1 cron process).

Starts `python3 -m odoo --workers=2 --max-cron-threads=1` on its own database (LOAD_DB,
created with the demo clinic when absent: dentists, chairs, working hours, patients),
HTTP on 127.0.0.1:LOAD_PORT only. Twenty receptionist accounts each loop for LOAD_SECONDS
(60): search patients, book an appointment in a deliberately crowded week (refusals
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
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CONF, bench_env  # noqa: E402

DB = os.environ.get('LOAD_DB', 'dental_clinic_load')
PORT = int(os.environ.get('LOAD_PORT', '8079'))
SECONDS = int(os.environ.get('LOAD_SECONDS', '60'))
USERS = int(os.environ.get('LOAD_USERS', '20'))
GEVENT_PORT = int(os.environ.get('LOAD_GEVENT_PORT', str(PORT + 1)))
URL = f'http://127.0.0.1:{PORT}'
REFUSALS = ('odoo.exceptions.ValidationError', 'odoo.exceptions.UserError')


class Refused(Exception):
    pass


class Failed(Exception):
    pass


def post(opener, path, params, timeout=30):
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
    return post(opener, f'/web/dataset/call_kw/{model}/{method}',
                {'model': model, 'method': method, 'args': args, 'kwargs': kwargs or {}})


def prepare():
    """Demo database once, twenty receptionists, no quiet hours, appointments due for a reminder."""
    with bench_env(DB) as env:
        receptionist = env.ref('dental_clinic.user_receptionist')
        users = env['res.users'].with_context(active_test=False).search([('login', '=like', 'load.recep%')])
        for index in range(len(users), USERS):
            receptionist.copy({'login': f'load.recep{index:02d}', 'name': f'Recepção {index:02d}',
                               'password': 'load'})
        env.company.write({'dental_quiet_hour_start': 0, 'dental_quiet_hour_end': 0})
        dentists = env['dental.appointment'].search([]).dentist_id
        chairs = env['dental.chair'].search([])
        patients = env['dental.patient'].search([], limit=200)
        # Tomorrow's appointments, one an hour per chair: due for the demo's 48 h reminder as the load starts.
        tomorrow = (datetime.utcnow() + timedelta(days=1)).replace(hour=13, minute=0, second=0, microsecond=0)
        stamp = int(time.time()) % 50
        for offset, (dentist, chair) in enumerate(zip(dentists, chairs)):
            for hour in range(3):
                env['dental.appointment'].with_context(dental_allow_outside_hours=True).create({
                    'patient_id': patients[(offset * 3 + hour + stamp) % len(patients)].id,
                    'dentist_id': dentist.id, 'chair_id': chair.id, 'duration': 0.25,
                    'start': tomorrow + timedelta(hours=hour, minutes=15 * (stamp % 3)),
                })
        env.cr.commit()
        return dentists.ids, chairs.ids, patients.ids


def start_server():
    server = subprocess.Popen(
        [sys.executable, '-m', 'odoo', '-c', CONF, '-d', DB, f'--db-filter=^{DB}$', '--workers=2',
         '--max-cron-threads=1', '--limit-time-real=120', '--limit-memory-soft=671088640',
         '--limit-memory-hard=838860800', '--http-interface=127.0.0.1', f'--http-port={PORT}',
         f'--gevent-port={GEVENT_PORT}', '--log-level=warn', '--logfile=' + os.path.join(
             os.path.dirname(os.path.abspath(__file__)), 'bench_load.log')])
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
    post(opener, '/web/session/authenticate', {'db': DB, 'login': login, 'password': password})
    return opener


def slot(rng):
    """A start in a crowded week: 5 weekdays from next Monday, 09:00-17:30 São Paulo (UTC-3)."""
    today = datetime.utcnow().date()
    monday = today + timedelta(days=7 - today.weekday())
    day = monday + timedelta(days=rng.randrange(5))
    return (datetime(day.year, day.month, day.day, 12) + timedelta(minutes=30 * rng.randrange(17))).strftime(
        '%Y-%m-%d %H:%M:%S')


def receptionist(index, dentists, chairs, patients, stop_at, samples, outcomes, lock):
    rng = random.Random(index)
    opener = login(f'load.recep{index:02d}', 'load')
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
        found = timed('search patients', lambda letters=letters: call(
            opener, 'dental.patient', 'web_search_read', [], {
                'domain': ['|', ('name', 'ilike', letters), ('phone', 'ilike', letters)],
                'specification': {'name': {}, 'file_number': {}, 'phone': {}}, 'limit': 20}))
        pool = [r['id'] for r in (found or {}).get('records', [])] or patients
        booked = timed('book', lambda pool=pool: call(opener, 'dental.appointment', 'create', [{
            'patient_id': rng.choice(pool), 'dentist_id': rng.choice(dentists), 'chair_id': rng.choice(chairs),
            'start': slot(rng), 'duration': 0.5}]))
        if booked:
            mine.append(booked)
        if mine and rng.random() < 0.5:
            appointment = rng.choice(mine)
            timed('move', lambda appointment=appointment: call(
                opener, 'dental.appointment', 'write', [[appointment], {'start': slot(rng)}]))
        if len(mine) > 3 and rng.random() < 0.3:
            appointment = mine.pop(rng.randrange(len(mine)))

            def cancel(appointment=appointment):
                wizard = call(opener, 'dental.appointment.cancel', 'create', [{
                    'appointment_ids': [(6, 0, [appointment])], 'cancel_origin': 'patient',
                    'cancel_reason': 'Paciente remarcou por telefone'}])
                return call(opener, 'dental.appointment.cancel', 'action_cancel', [[wizard]])
            timed('cancel', cancel)


def trigger_cron():
    with bench_env(DB) as env:
        env.ref('dental_clinic.ir_cron_dental_reminders').sudo()._trigger()
        env.cr.commit()


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
        cr.execute("SELECT count(*) FROM dental_reminder WHERE state = 'sent' AND processed_at >= %s",
                   [START_SQL])
        sent = cr.fetchone()[0]
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
        subprocess.run([sys.executable, '-m', 'odoo', '-c', CONF, '-d', DB, '-i', 'dental_clinic',
                        '--stop-after-init', '--log-level=warn', '--http-port=0'], check=True)
    dentists, chairs, patients = prepare()
    server = start_server()
    samples, outcomes, lock = {}, {}, threading.Lock()
    try:
        START_SQL = datetime.utcnow()
        trigger_cron()
        stop_at = time.monotonic() + SECONDS
        threads = [threading.Thread(target=receptionist, args=(i, dentists, chairs, patients, stop_at, samples,
                                                               outcomes, lock)) for i in range(USERS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS / 2)
        trigger_cron()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        elapsed = time.monotonic() - started
        time.sleep(5)  # let a cron run in flight finish before counting
    finally:
        server.terminate()
        server.wait(timeout=60)
    total = sum(len(v) for v in samples.values())
    errors = sum(n for (op, outcome), n in outcomes.items() if outcome.startswith('error'))
    print(f'\n{USERS} receptionists, 2 workers + 1 cron process, {elapsed:.0f} s: {total} requests, '
          f'{total / elapsed:.1f} req/s, {errors} errors\n')
    print('| operation | requests | ok | refused | errors | p50 ms | p95 ms |')
    print('|---|---:|---:|---:|---:|---:|---:|')
    for operation, values in samples.items():
        ok = outcomes.get((operation, 'ok'), 0)
        refused = outcomes.get((operation, 'refused'), 0)
        errs = sum(n for (op, outcome), n in outcomes.items() if op == operation and outcome.startswith('error'))
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]
        print(f'| {operation} | {len(values)} | {ok} | {refused} | {errs} | {statistics.median(values):.0f} '
              f'| {p95:.0f} |')
    for (operation, outcome), n in sorted(outcomes.items()):
        if outcome.startswith('error'):
            print(f'  {operation}: {n} x {outcome}')
    overlaps, unsynced, duplicates, sent, appointments = checks()
    print(f'\nSQL after the load ({appointments} appointments): {overlaps} overlapping active pairs, '
          f'{unsynced} calendar events out of sync, {sent} reminders sent by the cron during the load, '
          f'{duplicates} sent twice')
    sys.exit(1 if errors or overlaps or unsynced or duplicates else 0)


if __name__ == '__main__':
    main()
