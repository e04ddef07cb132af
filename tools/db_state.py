#!/usr/bin/env python3
"""Tell whether DB has dental_clinic installed (prints installed/absent), or drop it with --drop.

Connection settings come from the PG* environment variables the Makefile exports.
"""

import sys

import psycopg2
from psycopg2 import sql


def main():
    dbname = sys.argv[1]
    conn = psycopg2.connect(dbname='postgres')
    conn.autocommit = True
    try:
        with conn.cursor() as cr:
            if '--drop' in sys.argv[2:]:
                cr.execute(sql.SQL('DROP DATABASE IF EXISTS {} WITH (FORCE)').format(sql.Identifier(dbname)))
                return
            cr.execute('SELECT 1 FROM pg_database WHERE datname = %s', [dbname])
            exists = cr.fetchone()
    finally:
        conn.close()
    state = 'absent'
    if exists:
        with psycopg2.connect(dbname=dbname) as conn, conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_module_module')")
            if cr.fetchone()[0]:
                cr.execute("SELECT state FROM ir_module_module WHERE name = 'dental_clinic'")
                row = cr.fetchone()
                state = 'installed' if row and row[0] in ('installed', 'to upgrade') else 'absent'
    print(state)


if __name__ == '__main__':
    main()
