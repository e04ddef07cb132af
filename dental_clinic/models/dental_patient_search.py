"""Name search that stays instant at a chain's scale.

Patients sort by their folded name. A term typed in the search box (``joao``) matches a
substring of that name; frequent first names sit together in the sort order, so PostgreSQL,
which assumes matches are spread evenly, walks the name index from the start (400,000 rows at
1,000,000 patients) before it finds the first João. A trigram scan has to sort every match.

A word index answers in the sort order instead: ``dental_patient_word`` holds one row per word of
each patient's folded name, and one per pair of consecutive words ("maria silva"), keyed
``(word, search_name, patient_id)``; ``dental_patient_name_word`` holds the distinct ones
(trigram-indexed). A term without a space matches a name only inside one of its words, a term with
spaces only across a pair of consecutive words; so the patients matching it are among those having
a word (or a pair) that contains the term (or its longest two adjacent pieces). For each such word,
its index entries come in name order, and the first ``k`` of every word merged give the first ``k``
candidates. The ORM's own search then applies the whole domain (record rules, companies, archived)
to those candidates; ``k`` grows until the page is full or the candidates run out, so the answer is
exactly the ORM's, only found faster.

Both tables are kept by statement triggers on ``dental_patient``, so that SQL imports and the
ORM alike keep them right. Words no patient uses any more (anonymised or deleted names) leave the
dictionary in a daily cron.

A number (CPF, phone, file number, or a fragment such as ``987``) or a piece of e-mail typed in a
list has no word index: PostgreSQL cannot estimate how many patients it matches, and guessing wrong
it walked the name order through tens of thousands of patients. Its matches are taken from the
trigram indexes instead, up to PATTERN_CANDIDATES, sorted, and handed to the ORM's search like the
word index's candidates; a term matching more finds its page early along the name order, which a
list then walks once for its page and its count.
"""

import re
from functools import partial

from odoo import api, models
from odoo.osv import expression
from odoo.tools import SQL

from .dental_patient import term_kind

# The word path handles LIKE patterns without wildcards of their own.
LIKE_SPECIAL = re.compile(r'[%_\\]')
# More dictionary words than this (a term like "a") and the ORM's own plan is as good: such terms
# match everywhere, so walking the name index finds a page at once.
MAX_WORDS = 200
# Candidates per round: the page, at least this many; multiplied by GROWTH while the rules (other
# companies, archived patients) leave the page short; beyond MAX_CANDIDATES the ORM's plan.
MIN_CANDIDATES = 64
GROWTH = 4
MAX_CANDIDATES = 50_000
# A number or a piece of e-mail typed in a list's search: its matches taken from the trigram indexes up to this
# many, then sorted; more, and the name order holds a page and a count of them within its first few thousand
# patients (at 100,000; the cap does not grow with the table: what a term over it costs is its bitmap).
PATTERN_CANDIDATES = 2000
# A list's count up to this many is found with its page when the ORM's plan serves both (the web client asks 201).
LIST_BATCH_MAX = 1000
# The fields the patients' record rules read: their company, and their contact's for res.partner's rules.
RULE_FIELDS = ('company_id', 'partner_id')
# Key, in the cursor's cache, of what one ``web_search_read`` shares between its page and its count.
LIST_CALL = 'dental_patient_word_search'

# The terms indexed for a folded name: its words, and each word with the next one ("maria silva"), so that a
# term typed with a space starts from the patients having that pair rather than every "silva".
TERMS_FUNCTION = SQL("""
CREATE OR REPLACE FUNCTION dental_patient_name_terms(folded varchar) RETURNS SETOF varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT term FROM (SELECT string_to_array(folded, ' ') AS words) w,
    LATERAL (
        SELECT words[i] FROM generate_subscripts(w.words, 1) i
        UNION ALL
        SELECT words[i] || ' ' || words[i + 1] FROM generate_subscripts(w.words, 1) i
         WHERE i < array_length(w.words, 1)
    ) terms(term)
    WHERE term NOT IN ('', ' ')
$$
""")

# Statements of the trigger function, for the rows whose folded name is new or gone.
_DELETE_WORDS = """
        DELETE FROM dental_patient_word w
        USING (
            SELECT DISTINCT t.term AS word, o.search_name, o.id
            FROM old_patients o CROSS JOIN LATERAL dental_patient_name_terms(o.search_name) t(term) %s
        ) d
        WHERE w.word = d.word AND w.search_name = d.search_name AND w.patient_id = d.id;
"""
# Dictionary words sorted, so that two transactions adding the same new words take them in one order.
_INSERT_WORDS = """
        WITH new_words AS (
            SELECT DISTINCT t.term AS word, n.search_name, n.id
            FROM new_patients n CROSS JOIN LATERAL dental_patient_name_terms(n.search_name) t(term) %s
        ), dictionary AS (
            INSERT INTO dental_patient_name_word (word)
            SELECT DISTINCT word FROM new_words ORDER BY word
            ON CONFLICT DO NOTHING
        )
        INSERT INTO dental_patient_word (word, search_name, patient_id)
        SELECT word, search_name, id FROM new_words
        ON CONFLICT DO NOTHING;
"""
_RENAMED = """
            JOIN %s x ON x.id = {a}.id AND x.search_name IS DISTINCT FROM {a}.search_name"""
SYNC_FUNCTION = SQL(
    """
CREATE OR REPLACE FUNCTION dental_patient_word_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each branch names only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN"""
    + _INSERT_WORDS % ''
    + """
    ELSIF TG_OP = 'DELETE' THEN"""
    + _DELETE_WORDS % ''
    + """
    ELSE"""
    + _DELETE_WORDS % (_RENAMED % 'new_patients').format(a='o')
    + _INSERT_WORDS % (_RENAMED % 'old_patients').format(a='n')
    + """
    END IF;
    RETURN NULL;
END
$$
"""
)

# A trigger with transition tables takes one event each.
TRIGGERS = {
    'dental_patient_word_insert': SQL('AFTER INSERT ON dental_patient REFERENCING NEW TABLE AS new_patients'),
    'dental_patient_word_update': SQL(
        'AFTER UPDATE ON dental_patient REFERENCING OLD TABLE AS old_patients NEW TABLE AS new_patients'
    ),
    'dental_patient_word_delete': SQL('AFTER DELETE ON dental_patient REFERENCING OLD TABLE AS old_patients'),
}


def drop_word_index(cr):
    """Uninstall: the word index is the addon's own SQL, not the ORM's."""
    for name in TRIGGERS:
        cr.execute(SQL('DROP TRIGGER IF EXISTS %s ON dental_patient', SQL.identifier(name)))
    cr.execute(SQL('DROP FUNCTION IF EXISTS dental_patient_word_sync()'))
    cr.execute(SQL('DROP FUNCTION IF EXISTS dental_patient_name_terms(varchar)'))
    cr.execute(SQL('DROP TABLE IF EXISTS dental_patient_word, dental_patient_name_word'))


class DentalPatient(models.Model):
    _inherit = 'dental.patient'

    def init(self):
        super().init()
        cr = self.env.cr
        cr.execute(SQL("SELECT to_regclass('dental_patient_word') IS NULL"))
        created = cr.fetchone()[0]
        cr.execute(
            SQL("""
            CREATE TABLE IF NOT EXISTS dental_patient_word (
                word varchar NOT NULL,
                search_name varchar NOT NULL,
                patient_id integer NOT NULL,
                PRIMARY KEY (word, search_name, patient_id)
            );
            CREATE TABLE IF NOT EXISTS dental_patient_name_word (word varchar PRIMARY KEY);
        """)
        )
        if self.env.registry.has_trigram:
            cr.execute(
                SQL(
                    'CREATE INDEX IF NOT EXISTS dental_patient_name_word_trgm_index '
                    'ON dental_patient_name_word USING gin (word gin_trgm_ops)'
                )
            )
        cr.execute(TERMS_FUNCTION)
        cr.execute(SYNC_FUNCTION)
        for name, definition in TRIGGERS.items():
            cr.execute(SQL('DROP TRIGGER IF EXISTS %s ON dental_patient', SQL.identifier(name)))
            cr.execute(
                SQL(
                    'CREATE TRIGGER %s %s FOR EACH STATEMENT EXECUTE FUNCTION dental_patient_word_sync()',
                    SQL.identifier(name),
                    definition,
                )
            )
        # An index built before pairs of words were indexed is dropped by the 18.0.1.3.0 migration, then built here.
        if created:
            # Installing on (or upgrading) a database that already has patients.
            cr.execute(
                SQL("""
                INSERT INTO dental_patient_word (word, search_name, patient_id)
                SELECT t.term, p.search_name, p.id
                  FROM dental_patient p CROSS JOIN LATERAL dental_patient_name_terms(p.search_name) t(term)
                 WHERE p.search_name IS NOT NULL
                    ON CONFLICT DO NOTHING;
                INSERT INTO dental_patient_name_word (word)
                SELECT DISTINCT word FROM dental_patient_word ON CONFLICT DO NOTHING;
            """)
            )

    @api.model
    @api.readonly
    def web_search_read(self, domain, specification, offset=0, limit=None, order=None, count_limit=None):
        """A list page and its count: the page's search takes as many candidates as the count may need, so
        that the count reuses them instead of searching again (only within this call)."""
        cache = self.env.cr.cache
        outer = cache.get(LIST_CALL)
        cache[LIST_CALL] = {'batch': count_limit if isinstance(count_limit, int) else 0, 'found': {}}
        try:
            return super().web_search_read(
                domain, specification, offset=offset, limit=limit, order=order, count_limit=count_limit
            )
        finally:
            cache[LIST_CALL] = outer

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        """A list's page comes with the fields its record rules read (company, contact): the access check of the
        read that follows finds them there instead of fetching every column of the page again (one query)."""
        if self.env.cr.cache.get(LIST_CALL) is not None:
            field_names = [*field_names, *RULE_FIELDS]
        return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None, **kwargs):
        found = None
        # Other limits and offsets (negative, text, a boolean) get the ORM's own answer or error.
        if type(limit) is int and type(offset) is int and limit > 0 and offset >= 0:
            found = self._dental_word_search_term(domain, limit, order)
        if found is None:
            return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)
        kind, term, normalized, position = found
        ids = self._dental_word_search(kind, term, normalized, position, offset, limit, order)
        if ids is None:
            return super()._search(domain, offset=offset, limit=limit, order=order, **kwargs)
        return self.browse(ids)._as_query(ordered=True)

    def _dental_word_search_term(self, domain, limit, order):
        """The term the word index or the trigram indexes' candidates can serve for this search, or None.

        Only a page (a limit) in the patients' own order, with the term one of the conditions every
        result must meet (no OR, no NOT around it). Returns the kind of term ('name', or 'pattern' for a
        number or a piece of e-mail in a list), the folded name (names), the normalized domain and the
        position of the term's condition in it.
        """
        if not limit or not domain or (order and order != self._order):
            return None
        normalized = expression.normalize_domain(domain)
        if any(item in (expression.OR_OPERATOR, expression.NOT_OPERATOR) for item in normalized):
            return None
        for position, leaf in enumerate(normalized):
            if not isinstance(leaf, (list, tuple)) or len(leaf) != 3:
                continue
            fname, operator, value = leaf
            if fname == 'display_name':
                if operator in ('ilike', 'like') and isinstance(value, str) and term_kind(value) == 'number':
                    # Lists only: the dropdown's 8 rows are found early along the name order whatever the term.
                    return ('pattern', None, normalized, position) if self.env.cr.cache.get(LIST_CALL) else None
                term = self._dental_name_term(operator, value)
            elif fname == 'search_email' and operator in ('ilike', 'like') and isinstance(value, str) and value:
                return ('pattern', None, normalized, position) if self.env.cr.cache.get(LIST_CALL) else None
            elif fname == 'search_name' and operator == 'like' and isinstance(value, str):
                term = value
            else:
                continue
            if term and term.strip() and not LIKE_SPECIAL.search(term):
                return 'name', term, normalized, position
        return None

    def _dental_word_search(self, kind, term, normalized, position, offset, limit, order):
        """The ids of the page, from candidates in the patients' order; None when the ORM's own plan is the
        better one.

        The candidates match the term's condition already; the ORM's own search among the first of them applies
        the rest of the domain (record rules, companies, archived patients), and takes more of them while that
        leaves the page short. A web_search_read's count reuses what its page found.
        """
        self.browse().check_access('read')
        wanted = offset + limit
        list_call = self.env.cr.cache.get(LIST_CALL)
        key = (repr(normalized), order or self._order, self.env.uid, self.env.su, tuple(self.env.companies.ids))
        if list_call and key in list_call['found']:
            found, complete = list_call['found'][key]
            if found is None:
                return None
            if complete or len(found) >= wanted:
                return found[offset:wanted]
        if kind == 'pattern':
            candidates = self._dental_pattern_candidates(normalized[position])
        else:
            candidates = partial(self._dental_name_candidates, term)
        size = max(wanted, MIN_CANDIDATES, list_call['batch'] if list_call else 0)
        result = None, True
        while size <= MAX_CANDIDATES:
            first = candidates(size)
            if first is None:
                break
            domain = list(normalized)
            # The term's condition gives way to the candidates, or PostgreSQL might scan its trigram index again.
            domain[position] = ('id', 'in', first)
            found = list(super()._search(domain, order=order or self._order)) if first else []
            if len(found) >= wanted or len(first) < size:
                result = found, len(first) < size
                break
            size *= GROWTH
        if list_call is not None:
            if result[0] is None and list_call['batch'] <= LIST_BATCH_MAX:
                result = self._dental_list_batch(normalized, order, max(wanted, list_call['batch']))
            list_call['found'][key] = result
        found = result[0]
        return None if found is None else found[offset:wanted]

    def _dental_list_batch(self, normalized, order, size):
        """Too many matches for candidates: the ORM's own plan finds them early along the patients' order. A list
        takes as many as its count may need, so that the count reuses them instead of walking the table again.

        Returns the ids found and whether they are all the matches.
        """
        found = list(super()._search(normalized, order=order or self._order, limit=size))
        return found, len(found) < size

    def _dental_name_candidates(self, term, size):
        """The first ``size`` patients in the patients' order whose folded name contains ``term``, by the word
        index; None when the term is in too many words of the dictionary (the ORM's plan is as good)."""
        pieces = term.split(' ')
        if len(pieces) == 1:
            # The words containing the term.
            word_pattern, pairs = f'%{term}%', False
        else:
            # A term with a space runs across a pair of consecutive words: the pairs containing its longest
            # two adjacent pieces ("maria silva") hold every match.
            i = max(range(len(pieces) - 1), key=lambda i: (len(pieces[i]) + len(pieces[i + 1]), i))
            word_pattern, pairs = f'%{pieces[i]} {pieces[i + 1]}%', True
        # Names typed in this transaction reach the word index through the triggers.
        self.flush_model(['search_name'])
        cr = self.env.cr
        # One statement: the dictionary's words for the piece, then the first candidates of each word;
        # none when the piece has too many words (the one-time filter stops the lateral scans).
        cr.execute(
            SQL(
                """
                WITH words AS (
                    SELECT word FROM dental_patient_name_word
                    WHERE word LIKE %s AND (strpos(word, ' ') > 0) = %s
                    LIMIT %s
                )
                SELECT (SELECT count(*) FROM words), array(
                    SELECT c.patient_id
                    FROM words
                    CROSS JOIN LATERAL (
                        SELECT w.search_name, w.patient_id
                        FROM dental_patient_word w
                        WHERE w.word = words.word AND w.search_name LIKE %s
                        ORDER BY w.search_name, w.patient_id
                        LIMIT %s
                    ) c
                    WHERE (SELECT count(*) FROM words) <= %s
                    GROUP BY c.search_name, c.patient_id
                    ORDER BY c.search_name, c.patient_id
                    LIMIT %s
                )
                """,
                word_pattern,
                pairs,
                MAX_WORDS + 1,
                f'%{term}%',
                size,
                MAX_WORDS,
                size,
            )
        )
        word_count, candidates = cr.fetchone()
        return None if word_count > MAX_WORDS else candidates

    def _dental_pattern_candidates(self, leaf):
        """For a number typed in the search box (CPF, phone, file number, or a fragment of one) or a piece of
        e-mail: a function giving the first ``size`` patients matching it in the patients' order, or None
        beyond PATTERN_CANDIDATES matches (the ORM's plan: the name order holds them early).

        PostgreSQL cannot tell how many patients a fragment such as ``401`` matches (digits cluster in
        sequential CPFs and file numbers): guessing thousands, it walked the name order through 10,000
        patients for a page of 80 and 30,000 more for the count, where the trigram indexes hold the 1,150
        matches. Their bitmap, stopped at the cap (in no order, so that nothing but the cap stops it), finds
        them all in a millisecond or two; they are sorted in the same statement when they are all there.
        """
        # The term's condition alone, as the ORM writes it (no rules, archived included: the ORM's search
        # applies them to the candidates).
        query = self.sudo().with_context(active_test=False)._where_calc([leaf])
        query.limit = PATTERN_CANDIDATES + 1
        [(count, matches)] = self.env.execute_query(
            SQL(
                """
                WITH matches AS MATERIALIZED (%s)
                SELECT (SELECT count(*) FROM matches), array(
                    SELECT id FROM matches WHERE (SELECT count(*) FROM matches) <= %s ORDER BY search_name, id
                )
                """,
                query.select(SQL.identifier(self._table, 'id'), SQL.identifier(self._table, 'search_name')),
                PATTERN_CANDIDATES,
            )
        )

        def candidates(size):
            return None if count > PATTERN_CANDIDATES else matches[:size]

        return candidates

    @api.model
    def _gc_name_words(self):
        """Forget the words no patient's name uses any more (anonymised, renamed or deleted patients).

        The lock waits for transactions adding patients and keeps new ones out until commit, so a word
        is never removed while a new patient takes it.
        """
        cr = self.env.cr
        cr.execute(SQL('LOCK TABLE dental_patient_name_word IN EXCLUSIVE MODE'))
        cr.execute(
            SQL("""
            DELETE FROM dental_patient_name_word d
            WHERE NOT EXISTS (SELECT 1 FROM dental_patient_word w WHERE w.word = d.word)
        """)
        )
        return cr.rowcount
