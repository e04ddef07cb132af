#!/usr/bin/env python3
"""Patient search at 100k patients: p50/p95 of the SQL of name, CPF and phone searches.

Populates the bench database up to BENCH_PATIENTS patients (default 100,000)
through the ORM in batches, then times the SQL the ORM generates for each kind
of search, once with the addon's trigram indexes and once without them (the
baseline: dropped inside a transaction that is rolled back), and prints the
EXPLAIN plan of each search. Goal: p95 <= 20 ms at 100k patients.
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import bench_env, explain, p50_p95, print_table, progress, sql_runner, time_ms  # noqa: E402
from stdnum.br import cpf as stdnum_cpf  # noqa: E402

from odoo.tools import SQL  # noqa: E402

TARGET = int(os.environ.get('BENCH_PATIENTS', 100_000))
BATCH = 5_000
RUNS = 60
FIRST = [
    'Ana',
    'Maria',
    'João',
    'José',
    'Pedro',
    'Lucas',
    'Gabriel',
    'Rafael',
    'Juliana',
    'Fernanda',
    'Camila',
    'Beatriz',
    'Larissa',
    'Mariana',
    'Carlos',
    'Paulo',
    'Marcos',
    'Felipe',
    'Bruno',
    'Tiago',
    'Letícia',
    'Amanda',
    'Patrícia',
    'Aline',
    'Vitória',
    'Heloísa',
    'Isadora',
    'Otávio',
    'Caio',
    'Renata',
]
LAST = [
    'Silva',
    'Santos',
    'Oliveira',
    'Souza',
    'Rodrigues',
    'Ferreira',
    'Alves',
    'Pereira',
    'Lima',
    'Gomes',
    'Costa',
    'Ribeiro',
    'Martins',
    'Carvalho',
    'Almeida',
    'Lopes',
    'Soares',
    'Fernandes',
    'Vieira',
    'Barbosa',
    'Rocha',
    'Dias',
    'Nascimento',
    'Andrade',
    'Moreira',
    'Nunes',
    'Marques',
    'Machado',
    'Mendes',
    'Freitas',
]
INDEXES = [
    'dental_patient__cpf_digits_index',
    'dental_patient__phone_digits_index',
    'dental_patient__file_number_index',
    'dental_patient__search_name_index',
]


def cpf_for(n):
    base = f'{n:09d}'
    return base + stdnum_cpf._calc_check_digits(base)


DDD = [11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 31, 41, 47, 48, 51, 61, 62, 71, 81, 85, 91]


def mobile_for(n):
    return f'+55{DDD[n % len(DDD)]}9{8 + n % 2}{n % 10_000_000:07d}'


def populate(env):
    Patient = env['dental.patient']
    count = Patient.with_context(active_test=False).search_count([])
    rng = random.Random(count)
    while count < TARGET:
        size = min(BATCH, TARGET - count)
        vals_list = []
        for n in range(count + 1, count + size + 1):
            vals_list.append(
                {
                    'name': f'{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)} {n}',
                    'birth_date': f'{1940 + n % 60}-{1 + n % 12:02d}-{1 + n % 28:02d}',
                    'cpf': cpf_for(100_000 + n),
                    'mobile': mobile_for(n),
                }
            )
        Patient.create(vals_list)
        env.cr.commit()
        count += size
        progress(count, TARGET, 'patients')
    env.cr.execute('ANALYZE res_partner; ANALYZE dental_patient')
    return count


def search_sql(env, domain):
    return env['dental.patient']._search(domain, limit=80, order='id').select()


def main():
    with bench_env() as env:
        total = populate(env)
        rng = random.Random(42)
        picks = [rng.randint(1, total) for _ in range(RUNS)]
        cases = {
            'name ilike (surname pair)': [
                [('name', 'ilike', f'{LAST[n % 30]} {LAST[(n * 7) % 30]} {n}')] for n in picks
            ],
            'CPF formatted': [[('cpf_search', 'ilike', stdnum_cpf.format(cpf_for(100_000 + n)))] for n in picks],
            'CPF digits, partial': [[('cpf_search', 'ilike', cpf_for(100_000 + n)[2:9])] for n in picks],
            'phone (11) 9xxxx-xxxx': [[('phone_search', 'ilike', mobile_for(n)[3:])] for n in picks],
            'name_search, CPF typed': ('cpf', picks),
            'name_search, name typed': ('name', picks),
            'one search box, name in lower case': [
                [('display_name', 'ilike', f'{LAST[(n * 7) % 30]} {n}'.lower())] for n in picks
            ],
        }
        rows, plans = [], {}
        for indexed in (True, False):
            env.cr.execute('SAVEPOINT bench_baseline')
            if not indexed:
                for index in INDEXES:
                    env.cr.execute(SQL('DROP INDEX IF EXISTS %s', SQL.identifier(index)))
            for label, domains in cases.items():
                if isinstance(domains, tuple):
                    # What the many2one dropdown runs: name_search orders by the model's _order.
                    Patient = env['dental.patient']
                    terms = [
                        stdnum_cpf.format(cpf_for(100_000 + n)) if domains[0] == 'cpf' else f'{LAST[(n * 7) % 30]} {n}'
                        for n in domains[1]
                    ]
                    queries = [
                        Patient._search(
                            Patient._search_display_name('ilike', t), limit=8, order=Patient._order
                        ).select()
                        for t in terms
                    ]
                else:
                    queries = [search_sql(env, domain) for domain in domains]
                samples = []
                for query in queries:
                    samples += time_ms(sql_runner(env.cr, query), 1)
                p50, p95 = p50_p95(samples)
                key = (label, indexed)
                plans[key] = explain(env.cr, queries[0])
                rows.append((label, 'trigram indexes' if indexed else 'baseline: no index', f'{p50:.2f}', f'{p95:.2f}'))
            env.cr.execute('ROLLBACK TO SAVEPOINT bench_baseline')
        rows.sort(key=lambda row: (row[0], row[1] != 'trigram indexes'))
        print_table(
            f'Patient search, SQL time in ms over {RUNS} different terms, {total:,} patients',
            ('search', 'variant', 'p50 ms', 'p95 ms'),
            rows,
        )
        for label in cases:
            print(f'\nEXPLAIN {label} (with indexes):\n{plans[(label, True)]}')
        env.cr.rollback()


if __name__ == '__main__':
    main()
